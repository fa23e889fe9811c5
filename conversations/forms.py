from django import forms


class StaffReplyForm(forms.Form):
    """A staff member's reply on the live handoff page."""

    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "id": "id_reply_text"}))
