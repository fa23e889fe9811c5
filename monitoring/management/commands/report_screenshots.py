"""`make screenshots` (`manage.py report_screenshots`): log in to a running site as the demo's Manager and save a PNG
of every manager report (and the review queue) with headless chromium, the browser the web chat's test drives.

Run it against `make run` once the demo history has played (its progress is in make run's log). Each page is
captured from the top, up to MAX_HEIGHT pixels (the summary, the charts and the start of the tables). A page that
answers with an error, or a report without a drawn chart, fails the command (non-zero exit), so a blank screenshot is
never taken for a good one.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from monitoring.reports import REPORTS

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTH = 1280
MAX_HEIGHT = 2400  # the summary and the charts, then the top of the tables (a 90-day table is long)


class Command(BaseCommand):
    help = "Save a PNG of each manager report page of a running site (make run), logged in as the Manager."

    def add_arguments(self, parser):
        port = os.environ.get("HIBACHI_PORT", "8000")
        parser.add_argument("--url", default=f"http://127.0.0.1:{port}", help="the running site (default: make run's)")
        parser.add_argument("--username", default="manager", help="a user with the Manager role (default: manager)")
        parser.add_argument("--password", default=None, help="default: DEMO_STAFF_PASSWORD")
        parser.add_argument("--out", type=Path, default=Path(settings.BASE_DIR) / "var" / "screenshots",
                            help="folder for the PNGs (default var/screenshots)")
        parser.add_argument("--reports", nargs="*", default=list(REPORTS), choices=list(REPORTS),
                            help="reports to capture (default: all)")

    def handle(self, *args, url, username, password, out, reports, **options):
        password = password or getattr(settings, "DEMO_STAFF_PASSWORD", None)
        if not password:
            raise CommandError("No password: pass --password or set DEMO_STAFF_PASSWORD.")
        if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
            raise CommandError(f"{CHROMIUM} or {CHROMEDRIVER} is missing: run scripts/install-browser.sh.")
        url = url.rstrip("/")
        try:
            urllib.request.urlopen(f"{url}/admin/login/", timeout=10).close()
        except (urllib.error.URLError, OSError) as exc:
            raise CommandError(f"{url} does not answer ({exc}): start the site with `make run` first.") from exc
        out.mkdir(parents=True, exist_ok=True)
        pages = [(name, reverse("admin:monitoring_report", args=[name])) for name in reports]
        pages.append(("review_queue", reverse("admin:learning_review_queue")))
        driver = _browser()
        try:
            _login(driver, url=url, username=username, password=password)
            for name, path in pages:
                saved = _capture(driver, url=url + path, path=out / f"{name}.png", charts=name in REPORTS)
                self.stdout.write(f"{name}: {saved} ({saved.stat().st_size // 1024} KB)")
        finally:
            driver.quit()
        self.stdout.write(self.style.SUCCESS(f"{len(pages)} screenshots in {out}"))


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--disable-background-networking", "--disable-extensions", "--hide-scrollbars",
                f"--window-size={WIDTH},900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    return driver


def _login(driver, *, url: str, username: str, password: str) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    driver.get(f"{url}/admin/login/?next=/admin/")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit], button[type=submit]").click()
    # Until the admin index has loaded, or the login form came back with its error: reading the URL at once could
    # see the login page before the POST left, and a page asked for while the redirect still loaded was replaced.
    try:
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return document.readyState") == "complete"
            and (d.find_elements(By.ID, "user-tools") or d.find_elements(By.CSS_SELECTOR, ".errornote")))
    except TimeoutException:
        pass
    if not driver.find_elements(By.ID, "user-tools"):
        raise CommandError(f"Could not log in as {username!r} at {url}/admin/ (wrong password, or no such user: "
                           "`seed_demo` makes the Manager).")


def _capture(driver, *, url: str, path: Path, charts: bool) -> Path:
    from selenium.webdriver.common.by import By

    driver.get(url)
    if driver.find_elements(By.CSS_SELECTOR, "#summary.errornote, .errornote") or "/admin/login/" in driver.current_url:
        raise CommandError(f"{url} did not show the page (error or login).")
    if charts and not driver.find_elements(By.CSS_SELECTOR, "svg.chart"):
        raise CommandError(f"{url} shows no chart.")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(max(900, int(height) + 40), MAX_HEIGHT))
    driver.save_screenshot(str(path))
    return path
