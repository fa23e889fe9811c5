"""A real browser (messaging/tests/browser.py) chats on the public page `/`."""

from learning.models import Feedback

from .browser import BROWSER_TEST

pytestmark = BROWSER_TEST


def test_a_visitor_chats_on_the_public_page_and_rates_the_answer(seeded, asgi_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 60)
    browser.get(asgi_server + "/")
    assert "private hibachi chef" in browser.find_element(By.TAG_NAME, "h1").text

    browser.find_element(By.CSS_SELECTOR, ".chat-launcher").click()
    wait.until(lambda d: d.find_element(By.ID, "chat").get_attribute("data-state") == "open")
    box = browser.find_element(By.ID, "chat-input")
    box.send_keys("How much is a party for 20 adults?")
    browser.find_element(By.CSS_SELECTOR, ".chat-form button[type=submit]").click()

    reply = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".chat-msg.ai .chat-text")))
    reply_text = reply.text
    assert "$" in reply_text  # a quote, from the price list
    customer = browser.find_element(By.CSS_SELECTOR, ".chat-msg.customer")
    assert "pending" not in customer.get_attribute("class")  # acknowledged: stored on the server
    assert len(browser.find_elements(By.CSS_SELECTOR, ".chat-msg.ai")) == 1  # shown once

    browser.find_element(By.CSS_SELECTOR, ".chat-msg.ai .chat-thumbs button[data-kind=thumbs_up]").click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".chat-msg.ai button[data-kind=thumbs_up]")
               .get_attribute("aria-pressed") == "true")
    assert list(Feedback.objects.values_list("kind", flat=True)) == ["thumbs_up"]

    browser.refresh()  # a new page load reconnects: the history comes back
    browser.find_element(By.CSS_SELECTOR, ".chat-launcher").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".chat-msg")) == 2)
    texts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".chat-msg .chat-text")]
    assert texts == ["How much is a party for 20 adults?", reply_text]
