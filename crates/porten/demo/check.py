#!/usr/bin/env python3
"""Check the demo city content (city.toml) against the schema Porten expects.

Usage: python3 check.py [city.toml]

Checks what serde will enforce (exact key sets, types) and the content rules
that the Rust side does not: unique codes, unit references, vocabularies,
counts, the fiction phone range, example.com/example.org e-mail addresses,
no personnummer-like strings, knowledge-base word counts and the small
Markdown subset, topics, contact details, search synonyms, skills, the
examples' locations (address, WGS 84 coordinates as strings, place
reference) and services' SLA targets (business hours,
`first_response_hours <= resolution_hours`). If
relevance.toml exists next to city.toml (or is given as the second argument)
its search relevance cases are checked against the articles and services.
Exits non-zero and lists every problem if anything fails.

Usage: python3 check.py [city.toml [relevance.toml]]
"""

import pathlib
import re
import sys
import tomllib

AUDIENCES = {"resident", "parent", "pupil", "business", "senior"}
CHANNELS = {"web", "email", "phone", "visit", "open311", "api"}
LIFECYCLE = {"new", "open", "in_progress", "waiting_for_citizen", "resolved", "closed"}
EMAIL_DOMAINS = {"example.com", "example.org"}
# The words a state falls back to when a service does not name it.
STATUS_DEFAULTS_SV = {"resolved": "Klart", "closed": "Avslutat"}
STATUS_DEFAULTS_EN = {"resolved": "Done", "closed": "Closed"}
VISIBILITY = {"public", "internal"}
# Priorities a service's SLA may set targets for (`normal` is its own table).
SLA_PRIORITIES = {"low", "high", "urgent"}
# Faster priorities must not have longer targets: slowest first.
SLA_ORDER = ("low", "normal", "high", "urgent")
# Serde reads targets into a u32 and warn_percent into a u8; it does not
# deny unknown keys in an SLA or an example's location, so a misspelt one
# would be silently dropped.
U32_MAX = 2**32 - 1
SLA_UNKNOWN = "serde would silently ignore it"
# The longest address and place reference a location keeps (location.rs).
MAX_ADDRESS = 200
MAX_PLACE_REF = 100
KB_EN_KEYS = ("title_en", "summary_en", "body_en")
RELEVANCE_WHY = {"stemming", "compound", "diacritics", "typo", "synonym",
                 "keyword", "title", "english"}

# The administrations the glossary lists, by Swedish name.
REQUIRED_UNITS = {
    "Stadsledningskontoret",
    "Kontaktcenter",
    "Utbildningsförvaltningen",
    "Socialförvaltningen",
    "Miljöförvaltningen",
    "Stadsbyggnadskontoret",
    "Trafikkontoret",
    "Kulturförvaltningen",
    "Fastighetskontoret",
}

# Services the brief asks for, by the codes used in city.toml.
REQUIRED_SERVICES = {
    "street-light-fault", "pothole", "graffiti", "litter", "fallen-tree",
    "snow-clearing", "playground-fault", "feedback-complaint",
    "general-question", "e-id-help", "public-document-request",
    "preschool-place", "school-transport", "mother-tongue-tuition",
    "financial-assistance", "child-concern-report", "home-care",
    "mobility-service", "disabled-parking-permit", "alcohol-licence",
    "food-registration", "building-permit", "sign-permit", "outdoor-seating",
    "noise-complaint", "heat-pump", "private-sewage", "library",
    "culture-school", "book-premises",
}
MUST_BE_CONFIDENTIAL = {"financial-assistance", "child-concern-report", "home-care"}

# Top-level and per-table key sets: (required, optional).
SCHEMA = {
    "city": ({"name_sv", "name_en", "domain"}, set()),
    "units": ({"code", "name_sv", "name_en", "contact_center",
               "description_sv", "description_en"}, {"assignment"}),
    "services": ({"code", "unit", "name_sv", "name_en", "description_sv",
                  "description_en", "processing_time_sv", "processing_time_en",
                  "audiences", "channels", "confidential",
                  "weight", "keywords_sv", "examples"},
                 {"open311_code", "public_reports", "status_names",
                  "status_names_en", "sla", "skill"}),
    "examples": ({"title", "description"}, {"location"}),
    "location": ({"address"}, {"lat", "long", "place_ref"}),
    "skills": ({"code", "name_sv", "name_en"}, set()),
    "people": ({"given_name", "family_name", "street", "postal_code",
                "locality", "birth_year"}, {"email", "phone"}),
    "businesses": ({"name", "contact_given_name", "contact_family_name",
                    "email", "street", "postal_code", "locality"}, set()),
    "kb": ({"slug", "title_sv", "summary_sv", "body_sv", "audiences", "tags",
            "topic"},
           {"service", "visibility", "title_en", "summary_en", "body_en",
            "draft_body_sv"}),
    "topics": ({"code", "name_sv", "name_en", "services"}, set()),
    "contact": ({"phone", "email", "visiting_address_sv", "visiting_address_en",
                 "postal_address", "phone_opens", "phone_closes",
                 "phone_eve_closes", "visit_opens", "visit_closes",
                 "visit_eve_closes", "chat_sv", "chat_en", "eid_help_sv",
                 "eid_help_en"}, set()),
    "synonyms": ({"term", "words"}, set()),
    "case": ({"query", "expect", "why"}, {"lang"}),
    "sla": ({"normal"}, {"by_priority", "warn_percent"}),
    "targets": ({"resolution_hours"}, {"first_response_hours"}),
}

PHONE_RE = re.compile(r"^070-17406(0[5-9]|[1-9][0-9])$")
# The display form used on contact pages: 070-174 06 05.
PHONE_DISPLAY_RE = re.compile(r"^070-174 06 (0[5-9]|[1-9][0-9])$")
HHMM_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
PHONE_LIKE_RE = re.compile(r"(?<![\d/])\+?\d[\d \-]{5,}\d(?![\d/])")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")
PNR_RE = re.compile(r"(?<!\d)(\d{2})?\d{6}[-+ ]?\d{4}(?!\d)")
URL_RE = re.compile(r"https?://[^\s)\"']+|www\.[^\s)\"']+")
POSTAL_RE = re.compile(r"^\d{3} \d{2}$")
UNIT_CODE_RE = re.compile(r"^[A-Z]{2,5}$")
KEBAB_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
OPEN311_RE = re.compile(r"^[a-z0-9_]+$")
DNR_RE = re.compile(r"\b([A-Z]{2,5}) (\d{4})/(\d{5})\b")

errors: list[str] = []


def err(where: str, msg: str) -> None:
    errors.append(f"{where}: {msg}")


def check_code_and_names(where, item, seen, what):
    """A kebab-case code unique among `seen` (which it joins), and names in
    Swedish and English. The code, for the caller."""
    code = check_str(where, item, "code")
    if code and not KEBAB_RE.match(code):
        err(where, "code must be lowercase ASCII kebab-case")
    if code in seen:
        err(where, f"duplicate {what} code")
    seen.add(code)
    for key in ("name_sv", "name_en"):
        check_str(where, item, key)
    return code


def check_keys(where: str, table: dict, kind: str,
               unknown: str = "serde will reject it") -> None:
    required, optional = SCHEMA[kind]
    keys = set(table)
    for k in sorted(required - keys):
        err(where, f"missing key `{k}`")
    for k in sorted(keys - required - optional):
        err(where, f"unknown key `{k}` ({unknown})")


def check_str(where: str, table: dict, key: str, *, min_len: int = 1) -> str:
    v = table.get(key)
    if not isinstance(v, str):
        if key in table:
            err(where, f"`{key}` must be a string")
        return ""
    if len(v.strip()) < min_len:
        err(where, f"`{key}` is empty")
    if v != v.strip():
        err(where, f"`{key}` has leading or trailing whitespace")
    if "…" in v or "TODO" in v:
        err(where, f"`{key}` contains a placeholder")
    return v


def check_vocab(where: str, table: dict, key: str, vocab: set[str]) -> list:
    v = table.get(key)
    if not isinstance(v, list) or not v:
        err(where, f"`{key}` must be a non-empty list")
        return []
    if len(set(v)) != len(v):
        err(where, f"`{key}` has duplicates")
    for x in v:
        if x not in vocab:
            err(where, f"`{key}` has `{x}`, not one of {sorted(vocab)}")
    return v


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_targets(where: str, t) -> int | None:
    """One priority's targets; returns resolution_hours if it is valid."""
    if not isinstance(t, dict):
        err(where, "must be a table")
        return None
    check_keys(where, t, "targets", SLA_UNKNOWN)
    valid = {}
    for k in ("first_response_hours", "resolution_hours"):
        if k not in t:
            continue
        v = t[k]
        if not is_int(v) or not 1 <= v <= U32_MAX:
            err(where, f"`{k}` must be a positive integer (business hours)")
        else:
            valid[k] = v
    if "first_response_hours" in valid and "resolution_hours" in valid \
            and valid["first_response_hours"] > valid["resolution_hours"]:
        err(where, f"first_response_hours {valid['first_response_hours']} is "
                   f"longer than resolution_hours {valid['resolution_hours']}")
    return valid.get("resolution_hours")


def check_sla(where: str, sla) -> None:
    """A service's SLA: `normal` targets, optional targets by priority and
    the warning share, all in business hours."""
    if not isinstance(sla, dict):
        err(where, "`sla` must be a table")
        return
    check_keys(f"{where} sla", sla, "sla", SLA_UNKNOWN)
    wp = sla.get("warn_percent")
    if wp is not None and (not is_int(wp) or not 1 <= wp <= 99):
        err(where, "sla.warn_percent must be an integer 1–99")
    resolution = {}
    if "normal" in sla:
        resolution["normal"] = check_targets(f"{where} sla.normal", sla["normal"])
    bp = sla.get("by_priority", {})
    if not isinstance(bp, dict):
        err(where, "sla.by_priority must be a table")
        bp = {}
    for p, t in bp.items():
        if p not in SLA_PRIORITIES:
            err(where, f"sla.by_priority key `{p}` is not one of {sorted(SLA_PRIORITIES)}")
            continue
        resolution[p] = check_targets(f"{where} sla.by_priority.{p}", t)
    ordered = [(p, resolution[p]) for p in SLA_ORDER if resolution.get(p) is not None]
    for (slow, a), (fast, b) in zip(ordered, ordered[1:]):
        if b > a:
            err(where, f"sla: {fast} resolves in {b} h, longer than {slow} ({a} h)")


def check_location(where: str, loc) -> bool:
    """An example's location: an address, optional coordinates in WGS 84
    (both or neither, as strings) and an optional place reference.
    Returns whether it has coordinates."""
    if not isinstance(loc, dict):
        err(where, "`location` must be a table")
        return False
    w = f"{where} location"
    check_keys(w, loc, "location", SLA_UNKNOWN)
    a = check_str(w, loc, "address")
    if len(a) > MAX_ADDRESS:
        err(w, f"`address` is {len(a)} characters, at most {MAX_ADDRESS} expected")
    if "place_ref" in loc:
        r = check_str(w, loc, "place_ref")
        if len(r) > MAX_PLACE_REF:
            err(w, f"`place_ref` is {len(r)} characters, at most {MAX_PLACE_REF} expected")
    if ("lat" in loc) != ("long" in loc):
        err(w, "`lat` and `long` go together")
        return False
    valid = True
    for k, limit in (("lat", 90), ("long", 180)):
        if k not in loc:
            continue
        v = loc[k]
        try:
            deg = float(v) if isinstance(v, str) else None
        except ValueError:
            deg = None
        if deg is None or not -limit <= deg <= limit:
            err(w, f"`{k}` must be a string in decimal degrees, -{limit} to {limit}")
            valid = False
    return valid and "lat" in loc


def sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s])


def words(markdown: str) -> int:
    n = 0
    for line in markdown.splitlines():
        for tok in line.split():
            if tok in ("-", "##"):
                continue
            n += 1
    return n


def check_markdown(where: str, text: str) -> None:
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line != line.rstrip():
            err(where, f"line {i} has trailing whitespace")
        if line.startswith("## "):
            if line.rstrip().endswith((".", ":")):
                err(where, f"line {i}: heading ends with punctuation")
            continue
        if line.startswith("#"):
            err(where, f"line {i}: only `## ` headings are allowed")
        if line.startswith("- "):
            continue
        if re.match(r"^\s*([*+>|`]|\d+[.)]\s)", line) or line.startswith(" "):
            err(where, f"line {i}: only paragraphs, `- ` lists and `## ` headings are allowed")
        if re.search(r"\*\*|__|\]\(|`|<[a-z/]", line):
            err(where, f"line {i}: inline Markdown or HTML is not allowed")


def walk_strings(node, path: str):
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from walk_strings(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk_strings(v, f"{path}[{i}]")


def check_global_text(data: dict) -> None:
    """Phone numbers, e-mail addresses, URLs and personnummer in any text."""
    for path, s in walk_strings(data, ""):
        for m in EMAIL_RE.finditer(s):
            if m.group(1).lower() not in EMAIL_DOMAINS:
                err(path, f"e-mail `{m.group(0)}` is not at example.com or example.org")
        for m in PHONE_LIKE_RE.finditer(s):
            raw = m.group(0)
            digits = re.sub(r"\D", "", raw)
            if len(digits) < 7 or not raw.startswith("0"):
                continue
            if not PHONE_RE.match(raw) and not PHONE_DISPLAY_RE.match(raw):
                err(path, f"phone-like `{raw}` is not written as 070-17406NN in 05–99")
        for m in PNR_RE.finditer(s):
            err(path, f"`{m.group(0)}` looks like a personnummer or organisationsnummer")
        for m in URL_RE.finditer(s):
            err(path, f"URL `{m.group(0)}`: write addresses as plain text on the .example domain")
        for m in re.finditer(r"\b[a-z0-9.\-]+\.(se|nu|com|org|net)\b", s):
            if m.group(0) not in EMAIL_DOMAINS and not m.group(0).endswith(tuple("." + d for d in EMAIL_DOMAINS)):
                err(path, f"real-looking domain `{m.group(0)}`")


def main() -> int:
    path = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).with_name("city.toml"))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        print(f"{path}: invalid TOML: {e}")
        return 1

    top = {"city", "units", "services", "people", "businesses", "kb",
           "topics", "contact", "synonyms"}
    for k in sorted(top - set(data)):
        err("top", f"missing `{k}`")
    for k in sorted(set(data) - top - {"skills"}):
        err("top", f"unknown top-level key `{k}`")

    # city
    city = data.get("city", {})
    check_keys("city", city, "city")
    for k in ("name_sv", "name_en"):
        check_str("city", city, k)
    domain = check_str("city", city, "domain")
    if domain and not domain.endswith(".example"):
        err("city", "domain must be under the reserved .example TLD")

    # units
    units = data.get("units", [])
    unit_codes: set[str] = set()
    cc = []
    for i, u in enumerate(units):
        w = f"units[{i}] {u.get('code', '?')}"
        check_keys(w, u, "units")
        code = check_str(w, u, "code")
        if code and not UNIT_CODE_RE.match(code):
            err(w, "code must be 2–5 uppercase ASCII letters")
        if code in unit_codes:
            err(w, "duplicate unit code")
        unit_codes.add(code)
        for k in ("name_sv", "name_en", "description_sv", "description_en"):
            check_str(w, u, k)
        for k in ("description_sv", "description_en"):
            if sentences(u.get(k, "")) != 1:
                err(w, f"`{k}` should be one sentence")
        if not isinstance(u.get("contact_center"), bool):
            err(w, "`contact_center` must be a boolean")
        elif u["contact_center"]:
            cc.append(code)
        a = u.get("assignment")
        if a is not None:
            if not isinstance(a, dict) or set(a) - {"strategy", "max_open"}:
                err(w, "`assignment` takes `strategy` and `max_open`")
            elif a.get("strategy", "manual") not in ("manual", "round_robin", "fewest_open"):
                err(w, "`assignment.strategy` is manual, round_robin or fewest_open")
            elif "max_open" in a and not (isinstance(a["max_open"], int) and a["max_open"] > 0):
                err(w, "`assignment.max_open` must be a positive integer")
    if cc != ["KC"]:
        err("units", f"exactly one contact_center unit with code KC expected, got {cc}")
    missing_units = REQUIRED_UNITS - {u.get("name_sv") for u in units}
    if missing_units:
        err("units", f"missing administrations {sorted(missing_units)}")

    # skills (optional)
    skills = data.get("skills", [])
    if not isinstance(skills, list):
        err("skills", "must be a list of tables")
        skills = []
    skill_codes: set[str] = set()
    for i, k in enumerate(skills):
        w = f"skills[{i}] {k.get('code', '?')}"
        check_keys(w, k, "skills")
        check_code_and_names(w, k, skill_codes, "skill")

    # services
    services = data.get("services", [])
    if len(services) < 24:
        err("services", f"{len(services)} services, at least 24 expected")
    service_codes: set[str] = set()
    open311_codes: set[str] = set()
    used_units: set[str] = set()
    all_titles: set[str] = set()
    used_skills: set[str] = set()
    located = with_point = 0
    for i, s in enumerate(services):
        w = f"services[{i}] {s.get('code', '?')}"
        check_keys(w, s, "services")
        code = check_str(w, s, "code")
        if code and not KEBAB_RE.match(code):
            err(w, "code must be lowercase kebab-case")
        if code in service_codes:
            err(w, "duplicate service code")
        service_codes.add(code)
        unit = s.get("unit")
        if unit not in unit_codes:
            err(w, f"unit `{unit}` does not exist")
        used_units.add(unit)
        for k in ("name_sv", "name_en", "description_sv", "description_en"):
            check_str(w, s, k)
        for k in ("description_sv", "description_en"):
            n = sentences(s.get(k, ""))
            if not 1 <= n <= 3:
                err(w, f"`{k}` has {n} sentences, 1–3 expected")
        for k in ("processing_time_sv", "processing_time_en"):
            v = check_str(w, s, k)
            if len(v) > 200:
                err(w, f"`{k}` is {len(v)} characters, at most 200 expected")
            if v and not v.endswith("."):
                err(w, f"`{k}` must end with a full stop")
        check_vocab(w, s, "audiences", AUDIENCES)
        channels = check_vocab(w, s, "channels", CHANNELS)
        o = s.get("open311_code")
        if o is not None:
            if not isinstance(o, str) or not OPEN311_RE.match(o):
                err(w, "open311_code must be lowercase letters, digits and underscores")
            if o in open311_codes:
                err(w, "duplicate open311_code")
            open311_codes.add(o)
            if "open311" not in channels:
                err(w, "has open311_code but not the open311 channel")
            if s.get("confidential"):
                err(w, "an Open311 service cannot be confidential")
        elif "open311" in channels:
            err(w, "has the open311 channel but no open311_code")
        pr = s.get("public_reports")
        if pr is not None:
            if not isinstance(pr, bool):
                err(w, "`public_reports` must be a boolean")
            elif o is None:
                err(w, "`public_reports` is only for services with an open311_code")
        if "skill" in s:
            sk = s["skill"]
            if sk not in skill_codes:
                err(w, f"skill `{sk}` is not a `[[skills]]` code")
            used_skills.add(sk)
        if not isinstance(s.get("confidential"), bool):
            err(w, "`confidential` must be a boolean")
        wt = s.get("weight")
        if not isinstance(wt, int) or isinstance(wt, bool) or not 1 <= wt <= 30:
            err(w, "`weight` must be an integer 1–30")
        kw = s.get("keywords_sv")
        if not isinstance(kw, list) or not 3 <= len(kw) <= 8 or not all(isinstance(x, str) and x.strip() for x in kw):
            err(w, "`keywords_sv` must be 3–8 non-empty strings")
        elif len(set(x.lower() for x in kw)) != len(kw):
            err(w, "`keywords_sv` has duplicates")
        names = {}
        for key in ("status_names", "status_names_en"):
            sn = s.get(key)
            if sn is None:
                continue
            if not isinstance(sn, dict) or not sn:
                err(w, f"`{key}` must be a non-empty table")
                continue
            for k, v in sn.items():
                if k not in LIFECYCLE:
                    err(w, f"{key} key `{k}` is not a lifecycle class")
                if not isinstance(v, str) or not v.strip() or len(v) > 40:
                    err(w, f"{key}.{k} must be a short non-empty string")
            names[key] = sn
        has_sv, has_en = "status_names" in s, "status_names_en" in s
        if has_sv != has_en:
            missing = "status_names_en" if has_sv else "status_names"
            err(w, f"`{missing}` missing: `status_names` and `status_names_en` go together")
        elif len(names) == 2 and set(names["status_names"]) != set(names["status_names_en"]):
            err(w, "`status_names` and `status_names_en` name different states")
        # A citizen must be able to tell "resolved" from "closed" once the
        # unnamed states fall back to the defaults.
        for key, defaults in (("status_names", STATUS_DEFAULTS_SV),
                              ("status_names_en", STATUS_DEFAULTS_EN)):
            sn = {**defaults, **names.get(key, {})}
            if isinstance(sn["resolved"], str) and isinstance(sn["closed"], str) \
                    and sn["resolved"].strip().lower() == sn["closed"].strip().lower():
                err(w, f"{key}: resolved and closed read the same ({sn['resolved']!r})")
        if "sla" in s:
            check_sla(w, s["sla"])
        ex = s.get("examples")
        if not isinstance(ex, list) or len(ex) != 5:
            err(w, "exactly 5 examples expected")
            ex = ex if isinstance(ex, list) else []
        for j, e in enumerate(ex):
            we = f"{w} examples[{j}]"
            check_keys(we, e, "examples")
            t = check_str(we, e, "title")
            d = check_str(we, e, "description")
            if len(t) > 80:
                err(we, "title longer than 80 characters")
            if t in all_titles:
                err(we, "duplicate example title")
            all_titles.add(t)
            n = sentences(d)
            if not 1 <= n <= 4:
                err(we, f"description has {n} sentences, 1–4 expected")
            if "location" in e:
                located += 1
                with_point += check_location(we, e["location"])
    for code in sorted(REQUIRED_SERVICES - service_codes):
        err("services", f"missing required service `{code}`")
    for code in sorted(MUST_BE_CONFIDENTIAL):
        for s in services:
            if s.get("code") == code and s.get("confidential") is not True:
                err("services", f"`{code}` must be confidential")
    for code in sorted(unit_codes - used_units):
        err("services", f"unit {code} owns no service")
    for code in sorted(skill_codes - used_skills):
        err("skills", f"skill `{code}` is needed by no service")
    for where, text in walk_strings(data, ""):
        for m in DNR_RE.finditer(text):
            if m.group(1) not in unit_codes:
                err(where, f"diarienummer `{m.group(0)}` uses an unknown unit code")

    # people
    people = data.get("people", [])
    if len(people) < 60:
        err("people", f"{len(people)} people, at least 60 expected")
    emails: set[str] = set()
    phones: set[str] = set()
    names: set[tuple] = set()
    for i, p in enumerate(people):
        w = f"people[{i}] {p.get('given_name', '?')} {p.get('family_name', '?')}"
        check_keys(w, p, "people")
        for k in ("given_name", "family_name", "street", "locality"):
            check_str(w, p, k)
        key = (p.get("given_name"), p.get("family_name"))
        if key in names:
            err(w, "duplicate name")
        names.add(key)
        if not POSTAL_RE.match(str(p.get("postal_code", ""))):
            err(w, "postal_code must look like `123 45`")
        by = p.get("birth_year")
        if not isinstance(by, int) or not 1935 <= by <= 2008:
            err(w, "birth_year must be an integer 1935–2008")
        if "email" in p:
            e = check_str(w, p, "email")
            if not re.fullmatch(r"[a-z0-9._\-]+@example\.(com|org)", e):
                err(w, "email must be lowercase ASCII at example.com or example.org")
            if e in emails:
                err(w, "duplicate e-mail")
            emails.add(e)
        if "phone" in p:
            ph = check_str(w, p, "phone")
            if not PHONE_RE.match(ph):
                err(w, f"phone `{ph}` is not in 070-1740605 … 070-1740699")
            if ph in ("070-1740605", "070-1740606", "070-1740607"):
                err(w, "phone is one of the city's own numbers")
            if ph in phones:
                err(w, "duplicate phone")
            phones.add(ph)
    years = [p.get("birth_year", 0) for p in people]
    for lo, hi in ((1935, 1949), (1950, 1969), (1970, 1989), (1990, 2008)):
        if sum(lo <= y <= hi for y in years) < 8:
            err("people", f"fewer than 8 people born {lo}–{hi}")
    if sum("email" not in p for p in people) < 3:
        err("people", "some people should have no e-mail")

    # businesses
    businesses = data.get("businesses", [])
    if len(businesses) < 15:
        err("businesses", f"{len(businesses)} businesses, at least 15 expected")
    bnames: set[str] = set()
    for i, b in enumerate(businesses):
        w = f"businesses[{i}] {b.get('name', '?')}"
        check_keys(w, b, "businesses")
        for k in ("name", "contact_given_name", "contact_family_name", "street", "locality"):
            check_str(w, b, k)
        if b.get("name") in bnames:
            err(w, "duplicate name")
        bnames.add(b.get("name"))
        e = check_str(w, b, "email")
        if not re.fullmatch(r"[a-z0-9._\-]+@example\.(com|org)", e):
            err(w, "email must be lowercase ASCII at example.com or example.org")
        if e in emails:
            err(w, "duplicate e-mail")
        emails.add(e)
        if not POSTAL_RE.match(str(b.get("postal_code", ""))):
            err(w, "postal_code must look like `123 45`")

    # topics
    topics = data.get("topics", [])
    if not isinstance(topics, list) or not 8 <= len(topics) <= 12:
        err("topics", "8–12 topics expected")
        topics = topics if isinstance(topics, list) else []
    topic_codes: set[str] = set()
    topic_of_service: dict[str, str] = {}
    for i, t in enumerate(topics):
        w = f"topics[{i}] {t.get('code', '?')}"
        check_keys(w, t, "topics")
        code = check_code_and_names(w, t, topic_codes, "topic")
        svc = t.get("services")
        if not isinstance(svc, list) or not svc:
            err(w, "`services` must be a non-empty list")
            continue
        for c in svc:
            if c not in service_codes:
                err(w, f"service `{c}` does not exist")
            elif c in topic_of_service:
                err(w, f"service `{c}` is also in topic `{topic_of_service[c]}`")
            else:
                topic_of_service[c] = code
    for c in sorted(service_codes - set(topic_of_service)):
        err("topics", f"service `{c}` is in no topic")

    # contact
    contact = data.get("contact", {})
    if not isinstance(contact, dict):
        err("contact", "must be a table")
        contact = {}
    check_keys("contact", contact, "contact")
    for k in SCHEMA["contact"][0]:
        check_str("contact", contact, k)
    cc_phone = contact.get("phone", "")
    if not PHONE_DISPLAY_RE.match(str(cc_phone)):
        err("contact", f"phone `{cc_phone}` must be written like 070-174 06 05")
    elif cc_phone != "070-174 06 05":
        err("contact", "phone must be the Kontaktcenter number 070-174 06 05")
    if not re.fullmatch(r"[a-z0-9._\-]+@example\.org", str(contact.get("email", ""))):
        err("contact", "email must be a lowercase address at example.org")
    for k in ("phone_opens", "phone_closes", "phone_eve_closes",
              "visit_opens", "visit_closes", "visit_eve_closes"):
        if not HHMM_RE.match(str(contact.get(k, ""))):
            err("contact", f"`{k}` must be HH:MM")
    for kind in ("phone", "visit"):
        o, c, e = (str(contact.get(f"{kind}_{x}", "")) for x in ("opens", "closes", "eve_closes"))
        if all(HHMM_RE.match(x) for x in (o, c, e)) and not o < e <= c:
            err("contact", f"{kind}: expected opens < eve_closes <= closes")
    for k in ("visiting_address_sv", "visiting_address_en", "postal_address"):
        v = str(contact.get(k, ""))
        if not re.search(r"\b99[34] \d{2}\b", v):
            err("contact", f"`{k}` must contain a postal code in the 993 xx/994 xx series")
        if "\n" in v:
            err("contact", f"`{k}` must be one line")
    for k in ("visiting_address_sv", "visiting_address_en"):
        v = str(contact.get(k, ""))
        if "Stadshus" not in v and "City Hall" not in v:
            err("contact", f"`{k}` should name the Servicecenter in Stadshuset")
    for k in ("chat_sv", "chat_en", "eid_help_sv", "eid_help_en"):
        if sentences(str(contact.get(k, ""))) != 1:
            err("contact", f"`{k}` should be one sentence")

    # synonyms
    synonyms = data.get("synonyms", [])
    if not isinstance(synonyms, list) or len(synonyms) < 25:
        err("synonyms", "at least 25 synonyms expected")
        synonyms = synonyms if isinstance(synonyms, list) else []
    terms: set[str] = set()
    for i, y in enumerate(synonyms):
        w = f"synonyms[{i}] {y.get('term', '?')}"
        check_keys(w, y, "synonyms")
        term = check_str(w, y, "term")
        if term != term.lower() or re.search(r"\s", term):
            err(w, "term must be a single lower-case word")
        if term in terms:
            err(w, "duplicate term")
        terms.add(term)
        ws = y.get("words")
        if not isinstance(ws, list) or not ws or not all(isinstance(x, str) and x.strip() for x in ws):
            err(w, "`words` must be a non-empty list of non-empty strings")
        elif any(x != x.lower() for x in ws):
            err(w, "`words` must be lower-case")
        elif term in ws:
            err(w, "a term must not list itself")

    # knowledge base
    kb = data.get("kb", [])
    if len(kb) < 60:
        err("kb", f"{len(kb)} articles, at least 60 expected")
    slugs: set[str] = set()
    for i, a in enumerate(kb):
        w = f"kb[{i}] {a.get('slug', '?')}"
        check_keys(w, a, "kb")
        slug = check_str(w, a, "slug")
        if slug and not KEBAB_RE.match(slug):
            err(w, "slug must be lowercase ASCII kebab-case")
        if slug in slugs:
            err(w, "duplicate slug")
        slugs.add(slug)
        has_en = [k in a for k in KB_EN_KEYS]
        if any(has_en) and not all(has_en):
            err(w, "title_en, summary_en and body_en must be given all together or not at all")
        en = all(has_en)
        for k in ("title_sv", "summary_sv") + (("title_en", "summary_en") if en else ()):
            check_str(w, a, k)
        for k in ("summary_sv",) + (("summary_en",) if en else ()):
            if sentences(a.get(k, "")) != 1:
                err(w, f"`{k}` should be one sentence")
        for k in ("body_sv",) + (("body_en",) if en else ()) + (("draft_body_sv",) if "draft_body_sv" in a else ()):
            body = a.get(k, "")
            if not isinstance(body, str):
                err(w, f"`{k}` must be a string")
                continue
            n = words(body)
            if not 80 <= n <= 300:
                err(w, f"`{k}` has {n} words, 80–300 expected")
            check_markdown(f"{w} {k}", body)
        if en:
            sv_h = [l for l in a.get("body_sv", "").splitlines() if l.startswith("## ")]
            en_h = [l for l in a.get("body_en", "").splitlines() if l.startswith("## ")]
            if len(sv_h) != len(en_h):
                err(w, f"body_sv has {len(sv_h)} headings but body_en has {len(en_h)}")
            sv_l = [l for l in a.get("body_sv", "").splitlines() if l.startswith("- ")]
            en_l = [l for l in a.get("body_en", "").splitlines() if l.startswith("- ")]
            if len(sv_l) != len(en_l):
                err(w, f"body_sv has {len(sv_l)} list items but body_en has {len(en_l)}")
        check_vocab(w, a, "audiences", AUDIENCES)
        if "service" in a and a["service"] not in service_codes:
            err(w, f"service `{a['service']}` does not exist")
        topic = a.get("topic")
        if topic not in topic_codes:
            err(w, f"topic `{topic}` is not a topic code")
        elif a.get("service") in topic_of_service and topic_of_service[a["service"]] != topic:
            err(w, f"topic `{topic}` differs from its service's topic `{topic_of_service[a['service']]}`")
        vis = a.get("visibility", "public")
        if vis not in VISIBILITY:
            err(w, f"visibility `{vis}` is not one of {sorted(VISIBILITY)}")
        tags = a.get("tags")
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t.strip() for t in tags):
            err(w, "`tags` must be a non-empty list of strings")
        elif len(set(tags)) != len(tags):
            err(w, "`tags` has duplicates")
    public = [a for a in kb if a.get("visibility", "public") == "public"]
    internal = [a for a in kb if a.get("visibility") == "internal"]
    if len(internal) < 5:
        err("kb", f"{len(internal)} internal articles, at least 5 expected")
    for c in sorted(service_codes - {a.get("service") for a in public}):
        err("kb", f"service `{c}` has no public article")
    lattlast = [a for a in public if "lättläst" in a.get("tags", [])]
    if len(lattlast) < 3:
        err("kb", "at least 3 public articles tagged `lättläst` expected")
    e_id = [a for a in public if "e-legitimation" in a.get("tags", [])]
    if len(e_id) < 5:
        err("kb", "at least 5 public e-ID help articles (tag `e-legitimation`) expected")

    # Texts the compound and synonym relevance cases rely on.
    def text(a: dict) -> str:
        return " ".join(str(a.get(k, "")) for k in ("title_sv", "summary_sv", "body_sv", "tags")).lower()
    if not any(re.search(r"platse?r? i förskolan", text(a)) and "förskoleplats" not in text(a) for a in public):
        err("kb", "a public article about `plats i förskolan` without the word `förskoleplats` is expected")
    if not any("tillstånd för parkering" in a.get("title_sv", "").lower()
               and "parkeringstillstånd" not in text(a) and "förskoleplats" not in text(a) for a in public):
        err("kb", "a public article titled `tillstånd för parkering` without `parkeringstillstånd` is expected")
    if not any("avfallskärl" in text(a) and "soptunn" not in text(a) for a in public):
        err("kb", "a public article about `avfallskärl` that never says `soptunna` is expected")

    check_global_text(data)
    if errors:
        for e in errors:
            print(e)
        print(f"\n{len(errors)} problem(s) in {path}")
        return 1
    print(
        f"OK {path.name}: {len(units)} units, {len(services)} services, "
        f"{len(people)} people, {len(businesses)} businesses, {len(kb)} kb articles "
        f"({len(public)} public, {len(internal)} internal, "
        f"{sum('body_en' in a for a in kb)} with English), {len(topics)} topics, "
        f"{len(synonyms)} synonyms, {len(skills)} skills, "
        f"{located} example locations ({with_point} with coordinates)"
    )
    rel = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else path.with_name("relevance.toml")
    if rel.exists():
        return check_relevance(rel, kb, service_codes)
    return 0


def check_relevance(path: pathlib.Path, kb: list, service_codes: set[str]) -> int:
    """Every case names a query and an existing public article or a service."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        print(f"{path}: invalid TOML: {e}")
        return 1
    for k in sorted(set(data) - {"case"}):
        err("top", f"unknown top-level key `{k}`")
    cases = data.get("case", [])
    if len(cases) < 50:
        err("case", f"{len(cases)} cases, at least 50 expected")
    by_slug = {a.get("slug"): a for a in kb}
    seen: set[tuple] = set()
    for i, c in enumerate(cases):
        w = f"case[{i}] {c.get('query', '?')!r}"
        check_keys(w, c, "case")
        q = check_str(w, c, "query")
        lang = c.get("lang", "sv")
        if lang not in ("sv", "en"):
            err(w, "lang must be `sv` or `en`")
        if (q.lower(), lang) in seen:
            err(w, "duplicate query")
        seen.add((q.lower(), lang))
        why = c.get("why")
        if why not in RELEVANCE_WHY:
            err(w, f"why `{why}` is not one of {sorted(RELEVANCE_WHY)}")
        expect = str(c.get("expect", ""))
        kind, _, ident = expect.partition(":")
        if kind == "article":
            a = by_slug.get(ident)
            if a is None:
                err(w, f"article `{ident}` does not exist")
            elif a.get("visibility", "public") != "public":
                err(w, f"article `{ident}` is internal")
            elif lang == "en" and "body_en" not in a:
                err(w, f"article `{ident}` has no English text")
        elif kind == "service":
            if ident not in service_codes:
                err(w, f"service `{ident}` does not exist")
        else:
            err(w, "expect must be `article:<slug>` or `service:<code>`")
    if sum(c.get("lang") == "en" for c in cases) < 6:
        err("case", "at least 6 English cases expected")
    if errors:
        for e in errors:
            print(e)
        print(f"\n{len(errors)} problem(s) in {path}")
        return 1
    print(f"OK {path.name}: {len(cases)} relevance cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
