from django import forms

from nlu.labels import INTENTS, SENTIMENTS, TONES


def _choices(values):
    return [(value, value.replace("_", " ")) for value in values]


class CorrectionForm(forms.Form):
    corrected_text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5, "id": "id_corrected_text"}))


class LabelsForm(forms.Form):
    intent = forms.ChoiceField(choices=_choices(INTENTS))
    tone = forms.ChoiceField(choices=_choices(TONES))
    sentiment = forms.ChoiceField(choices=_choices(SENTIMENTS))
    entities = forms.JSONField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_entities(self):
        value = self.cleaned_data.get("entities")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError("Entities are a JSON object, e.g. {\"adults\": 20}.")
        return value


class KnowledgeGapForm(forms.Form):
    title = forms.CharField(required=False, max_length=200)
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))


class QueueFilterForm(forms.Form):
    status = forms.CharField(required=False)
    agent = forms.CharField(required=False)
    intent = forms.CharField(required=False)
    channel = forms.CharField(required=False)
    reason = forms.CharField(required=False)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
