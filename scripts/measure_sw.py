"""Measure the salesperson's 工作台 first load with and without the service worker (issue 17).

Run against a dev server with the demo data:
    DEBUG=1 .venv/bin/python manage.py runserver 127.0.0.1:8104 &
    .venv/bin/python scripts/measure_sw.py http://127.0.0.1:8104 sales_east_1
Prints the median of 5 loads of "/" in a 390×844 Chromium window for: a fresh browser (no worker,
empty cache), the same browser with the worker installed, and with the worker and no network.
"""

import statistics
import sys

from playwright.sync_api import sync_playwright

URL, USER = sys.argv[1], sys.argv[2]
PASSWORD = sys.argv[3] if len(sys.argv) > 3 else "crm-demo-2026"


def load_ms(page) -> float:
    page.goto(URL + "/")
    return page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; })()"
    )


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        results = {}
        cold = []
        for _ in range(5):  # a new context each time: no worker, no HTTP cache
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
            page = ctx.new_page()
            page.goto(URL + "/login/")
            page.fill("#id_username", USER)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda u: "/login/" not in u)
            cold.append(load_ms(page))
            ctx.close()
        results["without worker (first load, new browser)"] = cold
        ctx = browser.new_context(viewport={"width": 390, "height": 844})
        page = ctx.new_page()
        page.goto(URL + "/login/")
        page.fill("#id_username", USER)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda u: "/login/" not in u)
        page.wait_for_function(
            "navigator.serviceWorker.controller !== null || (location.reload(), false)", timeout=20000
        )
        results["with worker (static from its cache)"] = [load_ms(page) for _ in range(5)]
        ctx.set_offline(True)
        results["with worker, offline (last copy)"] = [load_ms(page) for _ in range(5)]
        for name, values in results.items():
            print(
                f"{name}: median {statistics.median(values):.0f} ms ({', '.join(f'{v:.0f}' for v in values)})"
            )
        browser.close()


if __name__ == "__main__":
    main()
