"""A real browser (Debian's chromium, driven by Selenium through chromedriver) chats on the public page `/`.

The project is served by uvicorn (the ASGI server `make run` uses) in a thread, against the test database.
"""

import os
import socket
import threading
import time

import pytest

from learning.models import Feedback

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
        reason=f"{CHROMIUM} or {CHROMEDRIVER} is missing: run scripts/install-browser.sh (Debian's chromium and "
               "chromium-driver; `make install` runs it where apt-get is available)",
    ),
]


@pytest.fixture
def asgi_server():
    import uvicorn

    from hibachi.asgi import application

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--disable-background-networking", "--disable-extensions", "--window-size=1200,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


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
