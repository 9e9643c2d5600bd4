"""The console in headless Chromium (Selenium): what a user does, page by page.

Run by tests/browser/run.sh, which makes the tenants, users and operator and
passes them in the environment.  Each scenario prints "ok - ..." or
"not ok - ...", saves screenshots under $SCREENS, and fails on any
JavaScript error or Content-Security-Policy violation in the page (the
browser's console log, and a securitypolicyviolation listener that Chromium
installs in every document before the page's own scripts).
"""

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import traceback
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

E = os.environ
BASE, PORT, CA = E["BASE"], E["HTTPS_PORT"], E["CA"]
TA, TB, TC, TD = E["TA"], E["TB"], E["TC"], E["TD"]
PW_OWNER, PW_USER = E["PW_OWNER"], E["PW_USER"]
SCREENS, DOCS_IMG = E["SCREENS"], E.get("DOCS_IMG", "")
WAIT = 20  # seconds a page may take to show what is expected

failed = 0

# A listener for CSP violations in every document, installed by the
# DevTools protocol before the page's scripts (the page's CSP does not
# apply to it).
CSP_PROBE = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || ''));
});
"""


def origin(slug=None):
    host = f"{slug}.{BASE}" if slug else BASE
    return f"https://{host}:{PORT}"


def api(method, slug, path, token=None, body=None, headers=()):
    """The API with curl (the system resolver does not know *.localhost)."""
    host = f"{slug}.{BASE}" if slug else BASE
    args = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--cacert", CA,
            "--resolve", f"{host}:{PORT}:127.0.0.1", "-X", method, f"https://{host}:{PORT}{path}"]
    if token:
        args += ["-H", f"Authorization: Bearer {token}"]
    for hd in headers:
        args += ["-H", hd]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "--data-binary", json.dumps(body)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    text, _, status = out.rpartition("\n")
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = text
    return int(status), data


def login_api(slug, email, password):
    st, data = api("POST", slug, "/v1/auth/login", body={"email": email, "password": password})
    assert st == 200, f"login {email} at {slug}: {st} {data}"
    return data


def new_driver(width=1280, height=900):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              f"--window-size={width},{height}", "--lang=en-US",
              # The stack's own certificate, by its public key; nothing else.
              f"--ignore-certificate-errors-spki-list={E['SPKI']}"]:
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CSP_PROBE})
    if width < 600:
        # Headless windows are at least ~500 px wide: a phone is emulated.
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                          {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
    return d


def wait(d, cond, t=WAIT):
    return WebDriverWait(d, t, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(cond)


def css(d, sel, t=WAIT):
    return wait(d, EC.visibility_of_element_located((By.CSS_SELECTOR, sel)), t)


def click(d, sel):
    el = wait(d, EC.element_to_be_clickable((By.CSS_SELECTOR, sel)))
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    el.click()
    return el


def text_in(d, sel, text):
    wait(d, EC.text_to_be_present_in_element((By.CSS_SELECTOR, sel), text))


def shot(d, name):
    path = os.path.join(SCREENS, f"{name}.png")
    d.save_screenshot(path)
    if DOCS_IMG:
        os.makedirs(DOCS_IMG, exist_ok=True)
        shutil.copy(path, os.path.join(DOCS_IMG, f"console-{name}.png"))


def page_errors(d):
    """JavaScript errors and CSP violations since the last call."""
    bad = []
    for e in d.get_log("browser"):
        msg = e.get("message", "")
        if "Content Security Policy" in msg or "Content-Security-Policy" in msg:
            bad.append(f"CSP: {msg}")
        elif e.get("level") == "SEVERE" and e.get("source") != "network":
            bad.append(f"console: {msg}")
        elif e.get("level") == "SEVERE":
            print(f"#   (network) {msg[:200]}")
    try:
        for v in d.execute_script("var v = window.__csp || []; window.__csp = []; return v;") or []:
            bad.append(f"CSP violation: {v}")
    except Exception:  # a page that is gone has nothing more to report
        pass
    return bad


def scenario(name, drivers_fn):
    """Runs one scenario; it fails on an exception, a JavaScript error or a
    CSP violation in any of its browsers.  BROWSER_ONLY=word runs only the
    scenarios whose function name holds that word (development)."""
    global failed
    only = E.get("BROWSER_ONLY", "")
    if only and only not in drivers_fn.__name__:
        return
    drivers = []
    try:
        drivers_fn(drivers)
        errs = [x for d in drivers for x in page_errors(d)]
        if errs:
            raise AssertionError("; ".join(errs)[:1500])
        print(f"ok - {name}")
    except Exception as e:
        failed += 1
        print(f"not ok - {name}")
        for line in (traceback.format_exception_only(type(e), e)[-1].strip() or repr(e)).splitlines()[:8]:
            print(f"#   {line[:400]}")
        ours = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == __file__]
        for f in ours[-3:]:
            print(f"#   at line {f.lineno}: {f.line}")
        for i, d in enumerate(drivers):
            try:
                d.save_screenshot(os.path.join(SCREENS, f"FAILED-{name[:40].replace(' ', '_')}-{i}.png"))
                print(f"#   page {i}: {d.current_url} :: {d.find_element(By.TAG_NAME, 'body').text[:300]!r}")
            except Exception:
                pass
    finally:
        for d in drivers:
            try:
                d.quit()
            except Exception:
                pass


def sign_in(d, slug, email, password, keyboard=False):
    d.get(f"{origin(slug)}/console/")
    email_el = css(d, "#signin input[name=email]")
    if keyboard:
        # Keyboard alone: the e-mail field has the focus; Tab, Enter.
        wait(d, lambda d: d.switch_to.active_element == email_el)
        a = d.switch_to.active_element
        a.send_keys(email)
        a.send_keys(Keys.TAB)
        d.switch_to.active_element.send_keys(password)
        d.switch_to.active_element.send_keys(Keys.ENTER)
    else:
        email_el.send_keys(email)
        d.find_element(By.CSS_SELECTOR, "#signin input[name=password]").send_keys(password)
        d.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()
    css(d, "nav.side")
    text_in(d, "#who", email)


def go(d, route):
    click(d, f"nav.side a[data-route={route}]")
    wait(d, lambda d: d.find_element(By.ID, "main").get_attribute("data-page") == route)


def storage(d):
    return d.execute_script("""
      var o = {local: {}, session: {}};
      for (var i = 0; i < localStorage.length; i++) o.local[localStorage.key(i)] = localStorage.getItem(localStorage.key(i));
      for (var i = 0; i < sessionStorage.length; i++) o.session[sessionStorage.key(i)] = sessionStorage.getItem(sessionStorage.key(i));
      return o;""")


def fill(el, value):
    el.clear()
    el.send_keys(value)


# ---------------------------------------------------------------- scenarios

def csp_probe_works(ds):
    """The detector itself: an inline script is refused, and seen."""
    d = new_driver()
    ds.append(d)
    d.get(f"{origin(TA)}/console/")
    css(d, "#signin")
    d.execute_script("var s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.head.append(s);"
                     "var t = document.createElement('div'); t.setAttribute('style', 'color: red'); document.body.append(t);")
    wait(d, lambda d: len(d.execute_script("return window.__csp")) >= 2)
    assert d.execute_script("return window.__ran") is None, "an inline script ran"
    seen = page_errors(d)
    assert any("script-src" in x for x in seen), f"the inline script's violation was not reported: {seen}"
    assert any("style-src" in x for x in seen), f"the inline style's violation was not reported: {seen}"


def owner_collection_records_conflict(ds):
    d = new_driver()
    ds.append(d)
    sign_in(d, TA, f"owner@{TA}.test", PW_OWNER, keyboard=True)
    st = storage(d)
    assert st["local"] == {}, f"localStorage holds {st['local']}"
    assert list(st["session"]) == ["strata.refresh"], f"sessionStorage holds {list(st['session'])}"
    assert st["session"]["strata.refresh"].startswith("srt_")
    assert not any("eyJ" in v for v in list(st["local"].values()) + list(st["session"].values())), "an access token is in storage"

    # Overview: usage meters, requests, audit chain.
    css(d, "#usage progress")
    css(d, "#chain [data-valid=true]")
    shot(d, "overview")

    # Define a collection with a pii field.
    go(d, "collections")
    form = css(d, "#create-collection")
    fill(form.find_element(By.CSS_SELECTOR, "input[name=name]"), "patients")
    fill(form.find_element(By.CSS_SELECTOR, "input[name=subject_field]"), "email")
    specs = [("name", "string", True, True, False, "", "80"), ("email", "string", False, False, True, "email", ""),
             ("age", "integer", False, True, False, "", "")]
    for i, (n, t, req, idx, pii, mask, mx) in enumerate(specs):
        if i > 0:
            click(d, "#add-field")
        row = form.find_elements(By.CSS_SELECTOR, "tr.field-row")[i]
        fill(row.find_element(By.CSS_SELECTOR, ".f-name"), n)
        Select(row.find_element(By.CSS_SELECTOR, ".f-type")).select_by_value(t)
        for cls, on in ((".f-required", req), (".f-indexed", idx), (".f-pii", pii)):
            box = row.find_element(By.CSS_SELECTOR, cls)
            if box.is_selected() != on:
                box.click()
        if mask:
            Select(row.find_element(By.CSS_SELECTOR, ".f-mask")).select_by_value(mask)
        if mx:
            fill(row.find_element(By.CSS_SELECTOR, ".f-max"), mx)
    shot(d, "collection-define")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    css(d, "#collection-list tr[data-collection=patients]")
    # The definition the API holds is the one typed.
    tok = login_api(TA, f"owner@{TA}.test", PW_OWNER)["access_token"]
    st_, coll = api("GET", TA, "/v1/collections/patients", tok)
    assert st_ == 200 and coll["fields"]["email"]["pii"] is True and coll["fields"]["email"]["mask"] == "email", coll
    assert coll["fields"]["name"] == {"type": "string", "required": True, "indexed": True, "max_length": 80} or \
        (coll["fields"]["name"]["required"] and coll["fields"]["name"]["max_length"] == 80), coll["fields"]["name"]
    # A problem answer is shown with its title and detail: the same name again.
    form = css(d, "#create-collection")
    fill(form.find_element(By.CSS_SELECTOR, "input[name=name]"), "patients")
    fill(form.find_element(By.CSS_SELECTOR, "tr.field-row .f-name"), "x")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    prob = css(d, "#create-collection .problem")
    assert prob.get_attribute("data-status") == "409", prob.text
    assert prob.find_element(By.CSS_SELECTOR, ".problem-title").text and prob.find_element(By.CSS_SELECTOR, ".problem-detail").text

    # Add records in the browser, and more by the API to have pages.
    go(d, "records")
    for name, email, age in (("Ada Lovelace", "ada@example.com", "36"), ("Alan Turing", "alan@example.com", "41")):
        click(d, "#new-record")
        f = css(d, "#record-form")
        fill(f.find_element(By.NAME, "d-name"), name)
        fill(f.find_element(By.NAME, "d-email"), email)
        fill(f.find_element(By.NAME, "d-age"), age)
        f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        text_in(d, "#record-view", email)
    for i in range(23):
        st_, _ = api("POST", TA, "/v1/collections/patients/records", tok,
                     {"data": {"name": f"Patient {i:02d}", "email": f"p{i}@example.com", "age": 20 + i}})
        assert st_ == 201
    d.refresh()
    css(d, "#record-list tbody tr")
    # Keyset pages of 10: 25 records are 3 pages.
    Select(css(d, "#page-size")).select_by_value("10")
    click(d, "#filters button[type=submit]")
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#record-list tbody tr[data-id]")) == 10)
    first_page = [r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#record-list tbody tr[data-id]")]
    seen = set(first_page)
    for _ in range(2):
        click(d, "#record-list .pager button:last-child")
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#record-list tbody tr[data-id]") and
             d.find_elements(By.CSS_SELECTOR, "#record-list tbody tr[data-id]")[0].get_attribute("data-id") not in seen)
        seen |= {r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#record-list tbody tr[data-id]")}
    assert len(seen) == 25, f"3 pages showed {len(seen)} records"
    assert not d.find_element(By.CSS_SELECTOR, "#record-list .pager button:last-child").is_enabled(), "a 4th page"
    click(d, "#record-list .pager button:first-child")
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#record-list tbody tr[data-id]") and
         d.find_elements(By.CSS_SELECTOR, "#record-list tbody tr[data-id]")[0].get_attribute("data-id") not in first_page)
    # Filter on an indexed field, sorted descending.
    Select(css(d, "#filter-field")).select_by_value("age")
    Select(css(d, "#filter-op")).select_by_value("gte")
    fill(css(d, "#filter-value"), "40")
    Select(css(d, "#sort")).select_by_value("-age")
    Select(css(d, "#page-size")).select_by_value("50")
    click(d, "#filters button[type=submit]")
    # ages >= 40: Alan (41), Patient 20..22 (40..42)
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#record-list tbody tr[data-id]")) == 4)
    ages = [int(r.find_element(By.CSS_SELECTOR, "td[data-label=age]").text) for r in d.find_elements(By.CSS_SELECTOR, "#record-list tbody tr[data-id]")]
    assert ages == sorted(ages, reverse=True) and min(ages) >= 40, ages
    # Equality on the pii field (blind index).
    Select(css(d, "#filter-field")).select_by_value("email")
    wait(d, lambda d: Select(d.find_element(By.ID, "filter-op")).first_selected_option.get_attribute("value") == "eq")
    fill(css(d, "#filter-value"), "ADA@example.com")
    Select(css(d, "#sort")).select_by_value("")
    click(d, "#filters button[type=submit]")
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#record-list tbody tr[data-id]")) == 1)
    shot(d, "records")

    # Edit with a conflict: another tab saves the same record first.
    click(d, "#record-list tbody tr[data-id] button.link")
    rec_id = css(d, "#record-view").get_attribute("data-id")
    click(d, "#edit-record")
    f = css(d, "#record-form")
    assert f.get_attribute("data-version") == "1"
    d2 = new_driver()
    ds.append(d2)
    sign_in(d2, TA, f"owner@{TA}.test", PW_OWNER)
    d2.get(f"{origin(TA)}/console/#/records/patients")
    css(d2, "#record-list tbody tr")
    d2.execute_script("document.querySelector(arguments[0]).click()", f"#record-list tr[data-id='{rec_id}'] button.link")
    click(d2, "#edit-record")
    f2 = css(d2, "#record-form")
    fill(f2.find_element(By.NAME, "d-name"), "Ada King, Countess of Lovelace")
    f2.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(d2, lambda d: d.find_element(By.CSS_SELECTOR, "#record-view").get_attribute("data-version") == "2")
    # The first tab still holds version 1 and saves.
    fill(f.find_element(By.NAME, "d-name"), "Augusta Ada Byron")
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    conflict = css(d, "#conflict")
    assert "412" in conflict.text or conflict.find_element(By.CSS_SELECTOR, ".problem").get_attribute("data-status") == "412"
    assert "Ada King" in conflict.text, "the current version is not shown"
    shot(d, "record-conflict")
    st_, rec = api("GET", TA, f"/v1/collections/patients/records/{rec_id}", tok)
    assert st_ == 200 and rec["data"]["name"] == "Ada King, Countess of Lovelace" and rec["version"] == 2, \
        f"the other tab's edit was overwritten: {rec}"
    # Editing the current version then works.
    click(d, "#conflict button")
    f = css(d, "#record-form")
    assert f.get_attribute("data-version") == "2"
    fill(f.find_element(By.NAME, "d-age"), "37")
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(d, lambda d: d.find_element(By.CSS_SELECTOR, "#record-view").get_attribute("data-version") == "3")
    st_, rec = api("GET", TA, f"/v1/collections/patients/records/{rec_id}", tok)
    assert rec["data"]["age"] == 37 and rec["data"]["name"] == "Ada King, Countess of Lovelace" and rec["data"]["email"] == "ada@example.com", rec


def viewer_sees_masks(ds):
    d = new_driver()
    ds.append(d)
    sign_in(d, TA, f"viewer@{TA}.test", PW_USER)
    routes = {a.get_attribute("data-route") for a in d.find_elements(By.CSS_SELECTOR, "nav.side a")}
    # Security is every user's own (their second factor, /v1/me/mfa).
    assert routes == {"overview", "collections", "records", "security"}, routes
    d.get(f"{origin(TA)}/console/#/records/patients")
    css(d, "#record-list tbody tr[data-id]")
    assert not d.find_elements(By.ID, "new-record"), "a viewer has a New record button"
    cells = d.find_elements(By.CSS_SELECTOR, "#record-list tbody tr[data-id] td[data-label=email]")
    assert cells and all(c.find_elements(By.CSS_SELECTOR, ".masked") for c in cells), "email cells not marked masked"
    shown = " ".join(c.text for c in cells)
    assert "ada@example.com" not in shown and "p1@example.com" not in shown, f"a viewer sees clear e-mails: {shown[:200]}"
    click(d, "#record-list tbody tr[data-id] button.link")
    view = css(d, "#record-view")
    assert view.find_elements(By.CSS_SELECTOR, "dd[data-field=email] .masked")
    assert not d.find_elements(By.ID, "edit-record"), "a viewer has an Edit button"
    assert not view.find_elements(By.CSS_SELECTOR, "button.danger"), "a viewer has a Delete button"
    shot(d, "records-viewer-masked")
    # What the console shows is what the API shows this viewer.
    tok = login_api(TA, f"viewer@{TA}.test", PW_USER)["access_token"]
    st_, page = api("GET", TA, "/v1/collections/patients/records?limit=1", tok)
    assert st_ == 200 and page["items"][0]["data"]["email"] != "ada@example.com"


def grant_rules(ds):
    """A user manager lacks pii:read (and more): shown, not grantable."""
    d = new_driver()
    ds.append(d)
    sign_in(d, TA, f"manager@{TA}.test", PW_USER)
    go(d, "roles")
    form = css(d, "#create-role")
    boxes = {b.get_attribute("value"): b for b in form.find_elements(By.CSS_SELECTOR, "input[name=perm]")}
    assert "pii:read" in boxes and "config:write" in boxes, sorted(boxes)
    assert not boxes["pii:read"].is_enabled() and not boxes["config:write"].is_enabled(), "a lacking permission is grantable"
    assert boxes["users:read"].is_enabled() and boxes["records:read"].is_enabled()
    lacking = form.find_elements(By.CSS_SELECTOR, "label.perm.lacking")
    assert any("pii:read" in x.text for x in lacking)
    fill(form.find_element(By.CSS_SELECTOR, "input[name=name]"), "readers")
    boxes["records:read"].click()
    boxes["users:read"].click()
    shot(d, "roles")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    css(d, "#role-list tr[data-role=readers]")
    # The API refuses what the page would not offer (no back door either way).
    tok = login_api(TA, f"manager@{TA}.test", PW_USER)["access_token"]
    st_, body = api("POST", TA, "/v1/roles", tok, {"name": "sneaky", "permissions": ["pii:read"]})
    assert st_ == 403, (st_, body)
    # Users: create one with the new role; roles beyond the manager are not offered.
    go(d, "users")
    form = css(d, "#create-user")
    roles = {b.get_attribute("value"): b for b in form.find_elements(By.CSS_SELECTOR, "input[name=new-role]")}
    assert not roles["owner"].is_enabled() and not roles["admin"].is_enabled() and not roles["member"].is_enabled(), "a role beyond the caller is offered"
    assert roles["readers"].is_enabled() and roles["viewer"].is_enabled()
    fill(form.find_element(By.NAME, "email"), f"reader@{TA}.test")
    fill(form.find_element(By.NAME, "name"), "Reader")
    fill(form.find_element(By.NAME, "password"), "reader-Secret-pass-12")
    roles["readers"].click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    row = css(d, f"#user-list tr[data-email='reader@{TA}.test']")
    assert "readers" in row.text
    shot(d, "users")
    # Disable that user: its status changes and it can no longer sign in.
    row.find_element(By.CSS_SELECTOR, "button").click()
    click(d, "#edit-user .actions button:nth-child(2)")
    wait(d, lambda d: "disabled" in d.find_element(By.CSS_SELECTOR, f"#user-list tr[data-email='reader@{TA}.test']").text)
    st_, _ = api("POST", TA, "/v1/auth/login", body={"email": f"reader@{TA}.test", "password": "reader-Secret-pass-12"})
    assert st_ == 401, st_


def owner_settings_diff_restore(ds):
    d = new_driver()
    ds.append(d)
    sign_in(d, TA, f"owner@{TA}.test", PW_OWNER)
    go(d, "settings")
    css(d, "#settings-history tr[data-version='1']")
    name = css(d, "#s-display_name")
    before = name.get_attribute("value")
    fill(name, "Console Clinic")
    fill(css(d, "#s-limits-burst"), "300")
    fill(css(d, "#s-comment"), "rename")
    click(d, "#settings-save")
    css(d, "#settings-history tr[data-version='2']")
    text_in(d, "#settings-form h2", "version 2")
    # The raw JSON view shows the same settings.
    raw = json.loads(css(d, "#settings-json").get_attribute("value"))
    assert raw["display_name"] == "Console Clinic" and raw["limits"]["burst"] == 300, raw
    # Diff version 1 against version 2.
    click(d, "#settings-history tr[data-version='1'] input[name=diff-a]")
    click(d, "#settings-history tr[data-version='2'] input[name=diff-b]")
    click(d, "#diff-show")
    css(d, "#settings-diff table.diff")
    paths = {r.get_attribute("data-path") for r in d.find_elements(By.CSS_SELECTOR, "#settings-diff tr[data-path]")}
    assert paths == {"display_name", "limits.burst"}, paths
    shot(d, "settings-diff")
    # An invalid value is refused with the API's problem (422, the field named).
    fill(css(d, "#s-locale"), "not a locale")
    click(d, "#settings-save")
    prob = css(d, "#settings-form .problem")
    assert prob.get_attribute("data-status") == "422" and "locale" in prob.text, prob.text
    # Restore version 1: a new version 3 equal to it.
    click(d, "#settings-history tr[data-version='1'] button[data-restore]")
    click(d, "dialog.confirm button[type=submit]")
    css(d, "#settings-history tr[data-version='3']")
    wait(d, lambda d: d.find_element(By.ID, "s-display_name").get_attribute("value") == before)
    tok = login_api(TA, f"owner@{TA}.test", PW_OWNER)["access_token"]
    _, v1 = api("GET", TA, "/v1/config/versions/1", tok)
    _, cur = api("GET", TA, "/v1/config", tok)
    assert cur["version"] == 3 and cur["settings"] == v1["settings"], cur
    shot(d, "settings")


def owner_api_key(ds):
    d = new_driver()
    ds.append(d)
    sign_in(d, TA, f"owner@{TA}.test", PW_OWNER)
    go(d, "keys")
    form = css(d, "#create-key")
    fill(form.find_element(By.NAME, "name"), "ci-reader")
    form.find_element(By.CSS_SELECTOR, "input[value='records:read']").click()
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    key = css(d, "#new-key").get_attribute("value")
    assert key.startswith("stk_"), key
    shot(d, "api-key-once")
    st_, me = api("GET", TA, "/v1/me", key)
    assert st_ == 200 and me["api_key"]["name"] == "ci-reader", (st_, me)
    # Shown once: after a reload the page has only the prefix.
    d.refresh()
    css(d, "#key-list tr[data-key=ci-reader]")
    assert key not in d.find_element(By.TAG_NAME, "body").text
    assert key not in d.page_source
    click(d, "#key-list tr[data-key=ci-reader] button.danger")
    click(d, "dialog.confirm button[type=submit]")
    css(d, "#key-list tr[data-key=ci-reader][data-state=revoked]")
    st_, _ = api("GET", TA, "/v1/me", key)
    assert st_ == 401, f"a revoked key still works: {st_}"
    shot(d, "api-keys")


def audit_chain(ds):
    d = new_driver()
    ds.append(d)
    sign_in(d, TA, f"owner@{TA}.test", PW_OWNER)
    go(d, "audit")
    css(d, "#audit-list tbody tr[data-action]")
    click(d, "#verify-chain")
    ok = css(d, "#audit-verify [data-valid]")
    assert ok.get_attribute("data-valid") == "true", ok.text
    fill(css(d, "#audit-action"), "auth.login")
    click(d, "#audit-filters button[type=submit]")
    wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#audit-list tbody tr[data-action]") and
         {r.get_attribute("data-action") for r in d.find_elements(By.CSS_SELECTOR, "#audit-list tbody tr[data-action]")} == {"auth.login"})
    shot(d, "audit")


def privacy_export(ds):
    d = new_driver()
    ds.append(d)
    sign_in(d, TA, f"owner@{TA}.test", PW_OWNER)
    go(d, "privacy")
    fill(css(d, "#subject"), "alan@example.com")
    click(d, "#privacy-form button[type=submit]")
    pre = css(d, "#privacy-out pre.export")
    doc = json.loads(pre.text)
    assert doc["subject"] == "alan@example.com" and len(doc["records"]) == 1, doc
    shot(d, "privacy")
    click(d, "#privacy-form button.danger")
    typed = css(d, "dialog.confirm input.confirm-typed")
    btn = d.find_element(By.CSS_SELECTOR, "dialog.confirm button[type=submit]")
    assert not btn.is_enabled(), "erase confirmed without typing the subject"
    typed.send_keys("alan@example.com")
    btn.click()
    text_in(d, "#privacy-out", "erased")
    tok = login_api(TA, f"owner@{TA}.test", PW_OWNER)["access_token"]
    _, doc = api("GET", TA, "/v1/privacy/subjects/alan@example.com/export", tok)
    assert doc["records"] == [], doc


def session_rules(ds):
    """Refresh rotation on reload, sign-out, and a session ended elsewhere."""
    d = new_driver()
    ds.append(d)
    sign_in(d, TA, f"owner@{TA}.test", PW_OWNER)
    r1 = storage(d)["session"]["strata.refresh"]
    d.refresh()
    css(d, "nav.side")
    r2 = storage(d)["session"]["strata.refresh"]
    assert r1 != r2, "the refresh token was not rotated"
    st_, _ = api("POST", TA, "/v1/auth/refresh", body={"refresh_token": r1})
    assert st_ == 401, f"the spent refresh token still works: {st_}"
    # Reusing the spent token revoked the whole family: this tab's session
    # has ended elsewhere, and its next call says so.
    click(d, "nav.side a[data-route=users]")
    css(d, "#signin")
    text_in(d, "main", "session has ended")
    assert storage(d)["session"] == {}, storage(d)
    # Sign in, then sign out: the refresh token is dead at the API too.
    sign_in(d, TA, f"owner@{TA}.test", PW_OWNER)
    r3 = storage(d)["session"]["strata.refresh"]
    click(d, "#signout")
    css(d, "#signin")
    assert storage(d)["session"] == {}
    st_, _ = api("POST", TA, "/v1/auth/refresh", body={"refresh_token": r3})
    assert st_ == 401, f"a signed-out refresh token still works: {st_}"


def isolation(ds):
    """Tenant A's page, given tenant B's token in its storage, shows nothing of B."""
    b = login_api(TB, f"owner@{TB}.test", PW_OWNER)
    d = new_driver()
    ds.append(d)
    d.get(f"{origin(TA)}/console/")
    css(d, "#signin")
    d.execute_script("sessionStorage.setItem('strata.refresh', arguments[0])", b["refresh_token"])
    d.refresh()
    css(d, "#signin")
    for slug in ("records/b_private", "users", "overview"):
        d.get(f"{origin(TA)}/console/#/{slug}")
        css(d, "#signin")
        body = d.find_element(By.TAG_NAME, "body").text + d.page_source
        for leak in ("tenant-b-marker-7f3a", "b_private", f"owner@{TB}.test", TB):
            assert leak not in body, f"tenant A's console shows {leak}"
    assert not d.find_elements(By.CSS_SELECTOR, "nav.side"), "signed in with another tenant's token"
    # An access token of B is refused by A's API (what the console would send).
    st_, _ = api("GET", TA, "/v1/me", b["access_token"])
    assert st_ == 401, st_
    # Signed in at A, the pages show A's data only.
    sign_in(d, TA, f"owner@{TA}.test", PW_OWNER)
    d.get(f"{origin(TA)}/console/#/records")
    css(d, "#collection-pick")
    options = [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#collection-pick option")]
    assert "b_private" not in options, options
    d.get(f"{origin(TA)}/console/#/users")
    css(d, "#user-list tbody tr[data-email]")
    assert TB not in d.find_element(By.TAG_NAME, "body").text


def narrow_and_dark(ds):
    d = new_driver(360, 780)
    ds.append(d)
    sign_in(d, TA, f"owner@{TA}.test", PW_OWNER)
    for route in ("overview", "records", "users", "settings", "audit"):
        d.get(f"{origin(TA)}/console/#/{route}")
        css(d, "#main h1")
        wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, "#main .loading"))
        inner, width = d.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
        assert inner == 360 and width <= 360, f"{route} is {width} px wide in a {inner} px window"
        if route in ("overview", "records"):
            shot(d, f"narrow-{route}")
    light = d.execute_script("return getComputedStyle(document.body).backgroundColor")
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    wait(d, lambda d: d.execute_script("return getComputedStyle(document.body).backgroundColor") != light)
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    d.get(f"{origin(TA)}/console/#/overview")
    css(d, "#usage progress")
    shot(d, "overview-dark")


def tenant_row(d, slug):
    """The tenant's row, paging on (tenants are listed by slug)."""
    css(d, "#tenant-list tbody tr")
    while True:
        rows = d.find_elements(By.CSS_SELECTOR, f"#tenant-list tr[data-slug='{slug}']")
        if rows:
            return rows[0]
        nxt = d.find_element(By.CSS_SELECTOR, "#tenant-list .pager button:last-child")
        assert nxt.is_enabled(), f"{slug} is not listed"
        first = d.find_element(By.CSS_SELECTOR, "#tenant-list tbody tr").get_attribute("data-slug")
        nxt.click()
        wait(d, lambda d: d.find_element(By.CSS_SELECTOR, "#tenant-list tbody tr").get_attribute("data-slug") != first)


def operator_console(ds):
    d = new_driver()
    ds.append(d)
    d.get(f"{origin()}/console/")
    css(d, "#signin")
    d.find_element(By.CSS_SELECTOR, "#signin input[name=email]").send_keys(E["OP_EMAIL"])
    d.find_element(By.CSS_SELECTOR, "#signin input[name=password]").send_keys("wrong-password-123")
    d.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()
    prob = css(d, "#signin .problem")
    assert prob.get_attribute("data-status") == "401", prob.text
    fill(d.find_element(By.CSS_SELECTOR, "#signin input[name=password]"), E["OP_PW"])
    d.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()
    css(d, "nav.side")
    row = tenant_row(d, TC)
    assert row.get_attribute("data-status") == "active"
    assert "free" in row.text and "local" in row.text, row.text
    css(d, "#platform-usage dl")
    assert not storage(d)["local"] and not storage(d)["session"], storage(d)
    shot(d, "operator-tenants")
    # Suspend C: its console shows the suspended state.
    row.find_element(By.CSS_SELECTOR, "button[data-act=suspend]").click()
    css(d, f"#tenant-list tr[data-slug='{TC}'][data-status=suspended]")
    t = new_driver()
    ds.append(t)
    t.get(f"{origin(TC)}/console/")
    css(t, "[data-state=suspended]")
    text_in(t, "main", "suspended")
    shot(t, "tenant-suspended")
    # Resume: the sign-in page is back.
    d.find_element(By.CSS_SELECTOR, f"#tenant-list tr[data-slug='{TC}'] button[data-act=resume]").click()
    css(d, f"#tenant-list tr[data-slug='{TC}'][data-status=active]")
    t.refresh()
    css(t, "#signin")
    # Change D's plan, then delete D: the slug must be typed.
    tenant_row(d, TD)
    Select(css(d, f"#tenant-list tr[data-slug='{TD}'] select.plan-pick")).select_by_value("team")
    text_in(d, "#tenant-out", "team")
    css(d, f"#tenant-list tr[data-slug='{TD}']")
    wait(d, lambda d: Select(d.find_element(By.CSS_SELECTOR, f"#tenant-list tr[data-slug='{TD}'] select.plan-pick")).first_selected_option.get_attribute("value") == "team")
    click(d, f"#tenant-list tr[data-slug='{TD}'] button[data-act=delete]")
    typed = css(d, "dialog.confirm input.confirm-typed")
    btn = d.find_element(By.CSS_SELECTOR, "dialog.confirm button[type=submit]")
    typed.send_keys(TD[:-1])
    assert not btn.is_enabled(), "delete allowed with a wrong slug"
    typed.send_keys(TD[-1])
    btn.click()
    css(d, f"#tenant-list tr[data-slug='{TD}'][data-status=deleted]")
    st_, _ = api("GET", TD, "/v1/tenant")
    assert st_ == 404, st_
    # Plans and the platform audit log.
    go(d, "plans")
    css(d, "#plan-list tr[data-plan=free]")
    css(d, "#plan-list tr[data-plan=enterprise]")
    shot(d, "operator-plans")
    go(d, "audit")
    css(d, "#audit-list tr[data-action='operator.login']")
    fill(css(d, "#audit-action"), "operator.")
    click(d, "#audit-filters button[type=submit]")
    wait(d, lambda d: {r.get_attribute("data-action") for r in d.find_elements(By.CSS_SELECTOR, "#audit-list tbody tr[data-action]")} == {"operator.login"})
    shot(d, "operator-audit")


# ---------------------------------------------------------------- single sign-on

class TinyIdP:
    """An OpenID provider for the SSO scenario: its authorization endpoint
    signs the browser in as one fixed person at once and sends it back to
    the redirect_uri with an RS256 ID token in the fragment (the implicit
    flow).  HTTPS with the stack's own certificate (valid for *.BASE), on a
    port of its own; keys and signatures made by openssl."""

    def __init__(self, client_id, redirect_uri):
        import http.server
        import ssl
        import tempfile
        import threading
        import urllib.parse

        self.client_id, self.redirect_uri = client_id, redirect_uri
        self.mode = "ok"  # ok | bad-nonce | deny
        self.seen = []  # the query of every authorization request
        self.dir = tempfile.mkdtemp(prefix="idp-")
        self.key = os.path.join(self.dir, "idp.pem")
        subprocess.run(["openssl", "genrsa", "-out", self.key, "2048"], check=True, capture_output=True)
        mod = subprocess.run(["openssl", "rsa", "-in", self.key, "-noout", "-modulus"], check=True,
                             capture_output=True, text=True).stdout.strip().split("=", 1)[1]
        self.n = b64u(bytes.fromhex(mod))
        idp = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(u.query))
                if u.path != "/authorize":
                    self.send_error(404)
                    return
                idp.seen.append(q)
                if q.get("client_id") != idp.client_id or q.get("redirect_uri") != idp.redirect_uri \
                        or q.get("response_type") != "id_token" or not q.get("nonce") or not q.get("state"):
                    self.send_error(400, "bad authorization request")
                    return
                if idp.mode == "deny":
                    frag = urllib.parse.urlencode({"error": "access_denied", "error_description": "the user said no",
                                                   "state": q["state"]})
                else:
                    nonce = q["nonce"] if idp.mode == "ok" else "another-flows-nonce"
                    frag = urllib.parse.urlencode({"id_token": idp.token(nonce), "state": q["state"]})
                self.send_response(302)
                self.send_header("Location", f"{q['redirect_uri']}#{frag}")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(CA, os.path.join(os.path.dirname(CA), "key.pem"))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.issuer = f"https://idp.{BASE}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def token(self, nonce, email="sso-person@idp.test"):
        import time
        now = int(time.time())
        head = b64u(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "idp-1"}).encode())
        body = b64u(json.dumps({"iss": self.issuer, "aud": self.client_id, "sub": "idp-person-1",
                                "email": email, "name": "SSO Person", "groups": ["console-admins"],
                                "nonce": nonce, "iat": now, "exp": now + 300}).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=f"{head}.{body}".encode(),
                             check=True, capture_output=True).stdout
        return f"{head}.{body}.{b64u(sig)}"

    def settings(self):
        return {"issuer": self.issuer, "audience": self.client_id,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "jwks": {"keys": [{"kty": "RSA", "kid": "idp-1", "alg": "RS256", "use": "sig", "n": self.n, "e": "AQAB"}]},
                "role_claim": "groups", "role_mapping": {"console-admins": "admin"}, "default_role": "viewer"}

    def stop(self):
        self.httpd.shutdown()
        shutil.rmtree(self.dir, ignore_errors=True)


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sso_sign_in(ds):
    te = E["TE"]
    console = f"{origin(te)}/console/"
    idp = TinyIdP(f"strata-console-{te}", console)
    try:
        sso_flow(ds, te, console, idp)
    finally:
        idp.stop()


def sso_flow(ds, te, console, idp):
    owner = login_api(te, f"owner@{te}.test", PW_OWNER)["access_token"]
    st, data = api("PATCH", te, "/v1/config", owner, {"settings": {"auth": {"oidc": idp.settings()}}})
    assert st == 200, f"auth.oidc not set: {st} {data}"
    d = new_driver()
    ds.append(d)
    # A tenant without SSO shows no button, once its providers are read.
    d.get(f"{origin(TA)}/console/")
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, "#providers[data-state=ready]")))
    assert not d.find_elements(By.CSS_SELECTOR, "#sso"), "an SSO button without auth.oidc"
    # With SSO: the button, then the provider and back, signed in.
    d.get(console)
    css(d, "#signin")
    css(d, "#sso")
    shot(d, "signin-sso")
    click(d, "#sso")
    css(d, "nav.side")
    text_in(d, "#who", "sso-person@idp.test")
    text_in(d, "#who", "admin")
    q = idp.seen[-1]
    assert q["redirect_uri"] == console and q["response_type"] == "id_token" and q["scope"].startswith("openid"), q
    assert len(q["state"]) >= 40 and len(q["nonce"]) >= 40 and q["state"] != q["nonce"], q
    assert "id_token" not in d.current_url and d.current_url.startswith(console), d.current_url
    st_ = storage(d)
    assert st_["local"] == {} and st_["session"] == {}, f"storage after SSO: {st_}"
    # The Overview's checklist: single sign-on is done, a collection not yet.
    css(d, "#onboarding li[data-step=sso_or_mfa][data-done=true]")
    css(d, "#onboarding li[data-step=first_collection][data-done=false] a[href='#/collections']")
    shot(d, "overview-onboarding")
    click(d, "#signout")
    css(d, "#signin")
    # A token with another flow's nonce is refused, and nothing is kept.
    idp.mode = "bad-nonce"
    click(d, "#sso")
    text_in(d, "main", "(nonce)")
    assert not d.find_elements(By.CSS_SELECTOR, "nav.side"), "signed in with a wrong nonce"
    assert storage(d)["session"] == {}, storage(d)
    # The provider refuses: its error is shown.
    idp.mode = "deny"
    click(d, "#sso")
    text_in(d, "main", "the user said no")
    # An answer this page never asked for (a valid token, a forged state)
    # is refused, and the fragment is gone from the address.
    idp.mode = "ok"
    d.get("about:blank")
    d.get(f"{console}#id_token={idp.token('forged')}&state=forged-state")
    text_in(d, "main", "(state)")
    assert not d.find_elements(By.CSS_SELECTOR, "nav.side"), "signed in with a forged state"
    assert "id_token" not in d.current_url, d.current_url
def totp_code(secret, step):
    """RFC 6238 (SHA1, 6 digits) computed here, apart from the server."""
    key = base64.b32decode(secret + "=" * ((8 - len(secret) % 8) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = mac[19] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000)


def owner_mfa(ds):
    """An owner enrols TOTP (QR under the CSP), signs out, signs in with a
    code computed from the otpauth secret; wrong codes show the error."""
    tok = login_api(TA, f"owner@{TA}.test", PW_OWNER)["access_token"]
    email = f"mfa-owner@{TA}.test"
    st_, u = api("POST", TA, "/v1/users", tok,
                 {"email": email, "name": "MFA owner", "password": PW_USER, "roles": ["owner"]})
    assert st_ == 201, (st_, u)
    d = new_driver()
    ds.append(d)
    sign_in(d, TA, email, PW_USER)
    go(d, "security")
    text_in(d, "#mfa-status", "off")
    click(d, "#mfa-start")
    qr = css(d, "#mfa-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,"), qr.get_attribute("src")[:40]
    wait(d, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", qr))
    uri = d.find_element(By.ID, "mfa-uri").get_attribute("href")
    assert uri.startswith("otpauth://totp/"), uri
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
    assert secret == d.find_element(By.ID, "mfa-secret").text, "the key shown is not the URI's"
    shot(d, "mfa-enrol")
    stale = totp_code(secret, int(time.time()) // 30 - 10)
    fill(css(d, "#mfa-code"), stale)
    click(d, "#mfa-confirm")
    css(d, "#mfa-enrol-out .problem[data-code=invalid_mfa_code]")
    step = int(time.time()) // 30
    fill(css(d, "#mfa-code"), totp_code(secret, step))
    click(d, "#mfa-confirm")
    codes = [c.text for c in css(d, "#mfa-recovery").find_elements(By.CSS_SELECTOR, "li code")]
    assert len(codes) == 10 and len(set(codes)) == 10, codes
    text_in(d, "#mfa-status", "on")
    shot(d, "mfa-recovery-codes")
    click(d, "#signout")
    css(d, "#signin")
    css(d, "#signin input[name=email]").send_keys(email)
    d.find_element(By.CSS_SELECTOR, "#signin input[name=password]").send_keys(PW_USER)
    d.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()
    fill(css(d, "#mfa-login-code"), stale)
    click(d, "#mfa-verify")
    css(d, "#mfa-login-out .problem[data-code=invalid_mfa_code]")
    shot(d, "mfa-wrong-code")
    assert storage(d)["session"] == {}, "a wrong code left a session"
    # The step after the one that confirmed (a used step is refused).
    fill(css(d, "#mfa-login-code"), totp_code(secret, max(step + 1, int(time.time()) // 30)))
    click(d, "#mfa-verify")
    css(d, "nav.side")
    text_in(d, "#who", email)
    # Disabling needs a code: a recovery code does it.
    go(d, "security")
    fill(css(d, "#mfa-disable-code"), codes[0])
    click(d, "#mfa-disable")
    text_in(d, "#mfa-status", "off")
    st_, ev = api("GET", TA, "/v1/audit?action=auth.mfa&limit=20", tok)
    outcomes = sorted({e["outcome"] for e in ev["items"] if e["actor"]["id"] == u["id"]})
    assert st_ == 200 and outcomes == ["failure", "success"], (st_, outcomes)


def mail_token(rcpt, kind, since):
    """The token of KIND (sin, spr, sjn) in the newest mail to RCPT that
    came after `since` (the stack's SMTP sink, VAR/mail/new; tests/lib.sh
    mail_wait and mail_link do the same in bash)."""
    new = os.path.join(E["VAR"], "mail", "new")
    deadline = time.time() + WAIT
    while time.time() < deadline:
        names = os.listdir(new) if os.path.isdir(new) else []
        for f in sorted((os.path.join(new, n) for n in names), key=os.path.getmtime, reverse=True):
            if os.path.getmtime(f) < since:
                continue
            with open(f, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            if f"X-RcptTo: {rcpt}" not in text.splitlines():
                continue
            m = re.search(rf"token=({kind}_[A-Za-z0-9_-]+)", text)
            assert m, f"the mail to {rcpt} holds no {kind} link"
            with open(os.path.join(E["VAR"], "secrets-seen"), "a") as fh:
                fh.write(m.group(1) + "\n")
            return m.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no mail to {rcpt} within {WAIT} s")


def no_token_kept(d, token):
    """The token is out of the address bar and in no storage of the page."""
    wait(d, lambda d: "token=" not in d.current_url)
    assert token not in d.execute_script("return location.href"), d.current_url
    kept = json.dumps(storage(d))
    assert token not in kept, "the link's token was stored"


def mailed_link_invitation(ds):
    """An owner invites through the API; the mailed link opened in the
    browser: name and password, signed in with the invited role; the same
    link again says it was used."""
    tok = login_api(TA, f"owner@{TA}.test", PW_OWNER)["access_token"]
    email = f"invited-{os.getpid()}@{TA}.test"
    since = time.time() - 1
    st_, inv = api("POST", TA, "/v1/invitations", tok, {"email": email, "roles": ["admin"]})
    assert st_ == 201, (st_, inv)
    token = mail_token(email, "sin", since)
    link = f"{origin(TA)}/console/#/invitations/accept?token={token}"
    d = new_driver()
    ds.append(d)
    d.get(link)
    name = css(d, "#link-form[data-link='invitations/accept'] #link-name")
    no_token_kept(d, token)
    assert d.switch_to.active_element == name, "the name field has not the focus"
    shot(d, "invitation-accept")
    # Keyboard alone: the name, Tab, the password, Tab, the same, Enter.
    a = d.switch_to.active_element
    a.send_keys("Invited Person")
    a.send_keys(Keys.TAB)
    d.switch_to.active_element.send_keys(PW_USER)
    d.switch_to.active_element.send_keys(Keys.TAB)
    d.switch_to.active_element.send_keys(PW_USER + "x")
    d.switch_to.active_element.send_keys(Keys.ENTER)
    text_in(d, "#link-out", "The passwords differ")
    fill(css(d, "#link-password"), PW_USER)
    fill(css(d, "#link-password2"), PW_USER)
    click(d, "#link-submit")
    css(d, "nav.side")
    text_in(d, "#who", email)
    text_in(d, "#who", "admin")
    assert "token=" not in d.current_url, d.current_url
    no_token_kept(d, token)
    st_, lst = api("GET", TA, "/v1/invitations?limit=100", tok)
    mine = [i for i in lst["items"] if i["id"] == inv["id"]]
    assert st_ == 200 and mine and mine[0]["status"] == "accepted", (st_, mine)
    # The same link again (another tab): used.
    d2 = new_driver(360, 780)
    ds.append(d2)
    d2.get(link)
    css(d2, "#link-form #link-name").send_keys("Second Try")
    fill(css(d2, "#link-password"), PW_USER)
    fill(css(d2, "#link-password2"), PW_USER)
    click(d2, "#link-submit")
    css(d2, "#link-dead .problem[data-code=gone]")
    text_in(d2, "#link-dead-why", "used or has expired")
    assert not d2.find_elements(By.ID, "link-form"), "a dead link still offers its form"
    inner, width = d2.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
    assert width <= inner, f"the page is {width} px wide in a {inner} px window"
    shot(d2, "invitation-used")
    assert storage(d2)["session"] == {}, "a used link left a session"


def mailed_link_reset(ds):
    """Forgot (the same words for an unknown address and for joining), the
    mailed reset link through the browser, then sign-in with the new
    password; the old one is refused."""
    tok = login_api(TA, f"owner@{TA}.test", PW_OWNER)["access_token"]
    email = f"forgetful-{os.getpid()}@{TA}.test"
    st_, u = api("POST", TA, "/v1/users", tok,
                 {"email": email, "name": "Forgetful", "password": PW_USER, "roles": ["viewer"]})
    assert st_ == 201, (st_, u)
    new_pw = "Reset-" + PW_USER
    d = new_driver()
    ds.append(d)
    d.get(f"{origin(TA)}/console/")
    css(d, "#signin")
    # Joining: the same answer whatever the domain.
    click(d, "#join-open")
    fill(css(d, "#ask-join #ask-email"), f"someone@nowhere-{os.getpid()}.test")
    click(d, "#ask-submit")
    text_in(d, "#ask-sent", "If the address is known, a mail is on its way")
    shot(d, "join-ask")
    click(d, "#ask-back")
    # Forgot: an unknown address, then the user's.
    click(d, "#forgot-open")
    fill(css(d, "#ask-forgot #ask-email"), f"nobody-{os.getpid()}@{TA}.test")
    click(d, "#ask-submit")
    text_in(d, "#ask-sent", "If the address is known, a mail is on its way")
    unknown = d.find_element(By.ID, "ask-sent").text
    since = time.time() - 1
    fill(css(d, "#ask-email"), email)
    click(d, "#ask-submit")
    wait(d, lambda d: d.find_element(By.ID, "ask-sent").text == unknown)
    shot(d, "password-forgot")
    token = mail_token(email, "spr", since)
    d.get(f"{origin(TA)}/console/#/password/reset?token={token}")
    pw = css(d, "#link-form[data-link='password/reset'] #link-password")
    no_token_kept(d, token)
    shot(d, "password-reset")
    # Against the policy: 422 shown, the link still usable.
    fill(pw, "short")
    fill(css(d, "#link-password2"), "short")
    click(d, "#link-submit")
    css(d, "#link-out .problem[data-status='422']")
    fill(css(d, "#link-password"), new_pw)
    fill(css(d, "#link-password2"), new_pw)
    click(d, "#link-submit")
    text_in(d, "#signin-message", "password was changed")
    assert "password/reset" not in d.current_url, d.current_url
    shot(d, "password-changed")
    css(d, "#signin input[name=email]").send_keys(email)
    d.find_element(By.CSS_SELECTOR, "#signin input[name=password]").send_keys(new_pw)
    d.find_element(By.CSS_SELECTOR, "#signin button[type=submit]").click()
    css(d, "nav.side")
    text_in(d, "#who", email)
    st_, _ = api("POST", TA, "/v1/auth/login", body={"email": email, "password": PW_USER})
    assert st_ == 401, f"the old password still signs in: {st_}"
    # The spent link, opened again.
    d.get(f"{origin(TA)}/console/#/password/reset?token={token}")
    fill(css(d, "#link-password"), new_pw + "2")
    fill(css(d, "#link-password2"), new_pw + "2")
    click(d, "#link-submit")
    css(d, "#link-dead .problem[data-code=gone]")
    text_in(d, "#link-dead-why", "used or has expired")
    click(d, "#link-again")
    css(d, "#ask-forgot #ask-email")


def main():
    os.makedirs(SCREENS, exist_ok=True)
    scenario("browser: the CSP detector sees an inline script and style refused", csp_probe_works)
    scenario("browser: owner signs in by keyboard (no token in localStorage), sees the overview, defines a collection with a pii field, adds, pages, filters and edits records, sees a conflict when another tab saved first", owner_collection_records_conflict)
    scenario("browser: a viewer sees masked values and no edit buttons", viewer_sees_masks)
    scenario("browser: a permission the signed-in user lacks is shown but not grantable; a role and a user created, the user disabled", grant_rules)
    scenario("browser: the owner changes settings, diffs two versions and restores one", owner_settings_diff_restore)
    scenario("browser: the owner creates an API key (shown once) and revokes it", owner_api_key)
    scenario("browser: the audit log filters and the chain is verified", audit_chain)
    scenario("browser: privacy export and erase of a subject", privacy_export)
    scenario("browser: refresh rotation on reload, session ended elsewhere, sign-out", session_rules)
    scenario("browser: tenant A's console with tenant B's token in storage shows nothing of B", isolation)
    scenario("browser: readable at 360 px, light and dark schemes", narrow_and_dark)
    scenario("browser: Sign in with SSO (a local identity provider, implicit flow): the button only with an authorization endpoint, state and nonce checked, the ID token as the bearer in memory only; the Overview's onboarding checklist", sso_sign_in)
    scenario("browser: an owner enrols TOTP (QR shown under the CSP), signs out, signs in with a code; a wrong code shows the error; disabling takes a recovery code", owner_mfa)
    scenario("browser: an invitation's mailed link: accepted in the browser by keyboard (the token out of the address bar, never stored), signed in with the invited role; the link again says used", mailed_link_invitation)
    scenario("browser: forgot and join say the same for any address; the mailed reset link sets a new password (422 shown, the link kept), sign-in with it; the old password and the spent link refused", mailed_link_reset)
    scenario("browser: the operator console signs in, lists tenants, suspends (the tenant console shows it), resumes, changes a plan, deletes with the slug typed; plans; platform audit", operator_console)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
