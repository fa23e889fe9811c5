"""A real browser for the tests: Debian's chromium driven by Selenium through chromedriver, and the project served by
uvicorn (the ASGI server `make run` uses) in a thread, against the test database. The fixtures are offered to the
messaging tests by conftest.py; a test module marks itself `BROWSER_TEST` (a transactional database: the server thread
must see the test's rows) and is skipped where chromium is missing."""

import os

import pytest

from hibachi.tests.live_server import asgi_server_running

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

BROWSER_TEST = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)),
        reason=f"{CHROMIUM} or {CHROMEDRIVER} is missing: run scripts/install-browser.sh (Debian's chromium and "
               "chromium-driver; `make install` runs it where apt-get is available)",
    ),
]


@pytest.fixture
def asgi_server():
    with asgi_server_running() as url:
        yield url


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


def admin_log_in(browser, base_url: str, *, username: str, password: str) -> None:
    """Log in through the admin's own login form, as staff do (no session planted behind the browser's back)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    browser.delete_all_cookies()
    browser.get(base_url + "/admin/login/?next=/admin/")
    browser.find_element(By.ID, "id_username").send_keys(username)
    browser.find_element(By.ID, "id_password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    # Wait until the admin index has loaded, not just until its URL shows: a page asked for while the login's
    # redirect was still loading was once replaced by that redirect's page (the next test step saw /admin/).
    try:
        WebDriverWait(browser, 20).until(
            lambda d: d.current_url.rstrip("/").endswith("/admin") and d.find_elements(By.ID, "user-tools")
            and d.execute_script("return document.readyState") == "complete")
    except TimeoutException:
        raise AssertionError(f"{username} could not log in: {browser.current_url}") from None
