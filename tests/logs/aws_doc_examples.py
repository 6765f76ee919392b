"""The AWS documentation's own filter pattern examples: (pattern, event, matches) and the patterns
it says CloudWatch rejects. Shared by tests/logs/test_filter_pattern_docs.py and
bench/bench_filter_patterns.py (which counts where moto disagrees with them).

Sources (the spec, quoted as the pages state them):
- SYNTAX: "Filter pattern syntax for metric filters, subscription filters, filter log events, and
  Live Tail", https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
  (sections: supported regex syntax and the usage of its operators; unstructured, JSON and
  space-delimited log events).
- REGEX: "Supported regular expressions (regex) syntax", the page the regex section became.
- OLD: earlier versions of the same page ("Filter and Pattern Syntax", in
  github.com/awsdocs/amazon-cloudwatch-logs-user-guide, doc_source/FilterAndPatternSyntax.md),
  for the examples the current page dropped: OR matching in JSON, IS TRUE, numeric comparisons,
  string wildcards, "JSON special considerations" and the space-delimited extraction example.

Where a page states a rule without an event (a numeric pattern, "case sensitive", "will be
false if ..."), the event is written here to exercise exactly that statement; such rows say
"derived". Left out because the pages contradict themselves: the OLD page's space-delimited "OR"
paragraph (it says [w1=ERROR, w2] does not match "ERROR WARN message", and that
[w1!=ERROR&&w1!=WARN, w2] matches it), which the current page replaced with examples whose first
word decides; and OLD's ``[..., status_code = 4* && bytes > 1000]``, a condition on a field the
pattern never declares, which the current page dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class Case(NamedTuple):
    pattern: str
    message: str
    matches: bool
    source: str


class Rejected(NamedTuple):
    pattern: str
    why: str


SYNTAX = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html"


def _cases(
    source: str, pattern: str, hits: Sequence[str], misses: Sequence[str] = ()
) -> list[Case]:
    return [Case(pattern, m, True, source) for m in hits] + [
        Case(pattern, m, False, source) for m in misses
    ]


# -- regular expressions ("Usage of supported operators") -----------------------------------------

REGEX_CASES = [
    *_cases(
        "SYNTAX regex",
        "%AUTHORIZED%",
        ["[ERROR 401] UNAUTHORIZED REQUEST", "[SUCCESS 200] AUTHORIZED REQUEST"],
        ["[ERROR 400] BAD REQUEST"],
    ),
    *_cases("SYNTAX ^", "%^[hc]at%", ["hat", "cat"], ["that"]),
    *_cases("SYNTAX $", "%[hc]at$%", ["hat", "cat"], ["hats"]),
    *_cases("SYNTAX ?", "%colou?r%", ["color", "colour"]),
    *_cases("SYNTAX []", "%[abc]%", ["a", "b", "c"], ["d"]),
    *_cases("SYNTAX []", "%[a-z]%", ["q"], ["Q1"]),
    *_cases("SYNTAX []", "%[abcx-z]%", ["a", "b", "c", "x", "y", "z"], ["d"]),
    *_cases("SYNTAX {m, n}", "%a{3,5}%", ["aaa", "aaaa", "aaaaa"], ["aa"]),
    *_cases("SYNTAX |", "%gra|ey%", ["gray", "grey"]),
    *_cases(
        "SYNTAX |",
        "%^starting|^initializing|^shutting down%",
        ["starting ...", "initializing ...", "shutting down"],
        ["skipping initializing ..."],
    ),
    # The page writes "%abcc|ab[^c]$" (closing % lost) and "aba ..." for an event ending in aba.
    *_cases("SYNTAX |", "%abcc|ab[^c]$%", ["abcc ...", "aba"], ["aac ..."]),
    *_cases("SYNTAX \\", r"%\[.\]%", ["[a]", "[b]", "[7]", "[@]", "[]]", "[ ]"]),
    *_cases("SYNTAX \\", r"%10\.10\.0\.1%", ["10.10.0.1"], ["10010,051"]),
    *_cases("SYNTAX .", "%10.10.0.1%", ["10010,051", "10.10.0.1"]),
    *_cases("SYNTAX *", "%ab*c%", ["ac", "abc", "abbbc"]),
    *_cases("SYNTAX *", "%ab[0-9]*%", ["ab", "ab0", "ab129"]),
    *_cases("SYNTAX +", "%ab+c%", ["abc", "abbc", "abbbc"], ["ac"]),
    *_cases("SYNTAX .", "%.at%", ["hat", "cat", "bat", "4at", "#at", " at"]),
    *_cases("SYNTAX \\d", r"%\d%", ["7"], ["x"]),
    *_cases("SYNTAX \\d", r"%\D%", ["x"], ["7"]),
    *_cases("SYNTAX \\s", r"%\s%", ["a b", "a\tb", "a\nb"], ["ab"]),
    *_cases("SYNTAX \\s", r"%\S%", ["a"], [" "]),
    *_cases("SYNTAX \\w", r"%\w%", ["_", "a", "7"], ["-"]),
    *_cases("SYNTAX \\w", r"%\W%", ["-"], ["a"]),
    *_cases("SYNTAX \\xhh", r"%\x3A%", [":"], ["a"]),
    *_cases("SYNTAX \\xhh", r"%\x28%", ["("]),
    *_cases("REGEX intro", r"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%", ["from 10.0.0.1"], ["10.0.0"]),
    *_cases("REGEX intro", "%[Ee]rror|[Ff]ail%", ["Error", "error", "Fail", "fail"], ["ok"]),
]

# -- unstructured log events ----------------------------------------------------------------------

E400 = "[ERROR 400] BAD REQUEST"
E401 = "[ERROR 401] UNAUTHORIZED REQUEST"
E419 = "[ERROR 419] MISSING ARGUMENTS"
E420 = "[ERROR 420] INVALID ARGUMENTS"
E500 = "[ERROR 500] INTERNAL SERVER ERROR"

TERM_CASES = [
    *_cases("SYNTAX single term", "ERROR", [E400, E401, E419, E420]),
    *_cases("SYNTAX multiple terms", "ERROR ARGUMENTS", [E419, E420], [E400, E401]),
    *_cases("SYNTAX optional terms", "?ERROR ?ARGUMENTS", [E400, E401, E419, E420]),
    # "If you combine ? with other filter patterns, all question mark terms will be ignored."
    *_cases(
        "SYNTAX optional terms",
        "?ERROR ?ARGUMENTS REQUEST",
        ["[INFO] REQUEST FAILED", "[WARN] UNAUTHORIZED REQUEST", "[ERROR] 400 BAD REQUEST"],
        [E419],  # derived: ERROR is there, REQUEST is not
    ),
    *_cases(
        "SYNTAX exact phrase", '"INTERNAL SERVER ERROR"', [E500], ["[ERROR 500] INTERNAL ERROR"]
    ),
    *_cases("SYNTAX include/exclude", "ERROR -ARGUMENTS", [E400, E401], [E419, E420]),
    *_cases("SYNTAX match everything", '" "', [E400, "SINGLEWORD"]),
    *_cases("SYNTAX case sensitive (derived)", "ERROR", [], ["[error 400] bad request"]),
    *_cases("OLD match everything", "", [E400, "", "anything"]),
    *_cases(
        "OLD single term",
        "ERROR",
        ["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1"],
    ),
    *_cases("OLD include/exclude", "ERROR -Exiting", [], ["Exiting with ERRORCODE: -1"]),
    *_cases(
        "OLD multiple terms",
        "ERROR Exception",
        ["[ERROR] Caught IllegalArgumentException", "[ERROR] Unhandled Exception"],
    ),
    *_cases(
        "OLD multiple terms",
        "Failed to process the request",
        [
            "[WARN] Failed to process the request",
            "[ERROR] Unable to continue: Failed to process the request",
        ],
    ),
    *_cases("OLD OR", "ERROR", ["ERROR WARN message", "ERROR message"], ["WARN message"]),
    *_cases("OLD OR", "?ERROR ?WARN", ["ERROR WARN message", "ERROR message", "WARN message"]),
    *_cases("OLD OR", "ERROR WARN", ["ERROR WARN message"], ["ERROR message", "WARN message"]),
    *_cases("OLD OR", "ERROR -WARN", ["ERROR message"], ["ERROR WARN message", "WARN message"]),
]

# -- JSON log events ------------------------------------------------------------------------------

TRAIL = (
    '{"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", '
    '"arrayKey": ["value", "another value"], '
    '"objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}], '
    '"SomeObject": null, "cluster.name": "c"}'
)
OLD_TRAIL = TRAIL.replace('"cluster.name": "c"', '"ThisFlag": true')
USERS = (
    '{"user": {"id": 1, "email": "John.Stiles@example.com"}, '
    '"users": [{"id": 2, "email": "John.Doe@example.com"}, '
    '{"id": 3, "email": "Jane.Doe@example.com"}], '
    '"actions": ["GET", "PUT", "DELETE"], '
    '"coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}'
)

JSON_CASES = [
    *_cases("SYNTAX JSON string", '{ $.eventType = "UpdateTrail" }', [TRAIL]),
    *_cases("SYNTAX JSON case sensitive (derived)", '{ $.eventType = "updatetrail" }', [], [TRAIL]),
    *_cases("SYNTAX JSON IP address", "{ $.sourceIPAddress != 123.123.* }", [TRAIL]),
    *_cases("SYNTAX JSON IP address (derived)", "{ $.sourceIPAddress != 111.111.* }", [], [TRAIL]),
    *_cases("SYNTAX JSON array element", '{ $.arrayKey[0] = "value" }', [TRAIL]),
    *_cases("SYNTAX JSON regex", "{ $.eventType = %Trail% }", [TRAIL]),
    *_cases("SYNTAX JSON wildcard regex", "{ $.arrayKey[*] = %val.{2}% }", [TRAIL]),
    *_cases("SYNTAX JSON wildcard regex", r"{ $.* = %111\.111\.111\.1[0-9]{1,2}% }", [TRAIL]),
    *_cases("SYNTAX JSON period in key", "{ $.['cluster.name'] = \"c\" }", [TRAIL]),
    *_cases("SYNTAX JSON IS", "{ $.SomeObject IS NULL }", [TRAIL], ['{"SomeObject": "x"}']),
    *_cases("SYNTAX JSON NOT EXISTS", "{ $.SomeOtherObject NOT EXISTS }", [TRAIL]),
    *_cases("SYNTAX JSON NOT EXISTS (derived)", "{ $.SomeObject NOT EXISTS }", [], [TRAIL]),
    *_cases(
        "SYNTAX JSON AND",
        '{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }',
        [USERS],
    ),
    *_cases(
        "SYNTAX JSON OR",
        '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch"'
        ' && $.actions[2] = "nonmatch" }',
        [USERS],
    ),
    *_cases(
        "SYNTAX JSON AND no match",
        '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch")'
        ' && $.actions[2] = "nonmatch" }',
        [],
        [USERS],
    ),
    *_cases(
        "SYNTAX JSON OR no match",
        '{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }',
        [],
        [USERS],
    ),
    *_cases(
        "OLD JSON compound",
        '{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch'
        " && $.actions[2] = nomatch }",
        [USERS],
    ),
    *_cases(
        "OLD JSON compound",
        '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch)'
        " && $.actions[2] = nomatch }",
        [],
        [USERS],
    ),
    *_cases("OLD JSON objectList", "{ $.objectList[1].id = 2 }", [TRAIL]),
    *_cases(
        "OLD JSON objectList not an array",
        "{ $.objectList[1].id = 2 }",
        [],
        ['{"objectList": {"1": {"id": 2}}}', '{"objectList": [1, 2]}'],
    ),
    *_cases(
        "OLD JSON arrayKey not an array",
        '{ $.arrayKey[0] = "value" }',
        [],
        ['{"arrayKey": "value"}'],
    ),
    *_cases("OLD JSON IS TRUE", "{ $.ThisFlag IS TRUE }", [OLD_TRAIL], ['{"ThisFlag": false}']),
    *_cases("OLD JSON IS FALSE", "{ $.ThisFlag IS FALSE }", ['{"ThisFlag": false}'], [OLD_TRAIL]),
    *_cases("OLD JSON OR", "{$.foo = bar}", ['{"foo": "bar"}'], ['{"foo": "baz"}']),
    *_cases("OLD JSON OR", "{$.foo = baz }", ['{"foo": "baz"}'], ['{"foo": "bar"}']),
    *_cases("OLD JSON OR", "{$.foo = bar || $.foo = baz }", ['{"foo": "bar"}', '{"foo": "baz"}']),
    *_cases("OLD JSON special", "{$.users = 1}", [], ['{"users": [1, 2, 3]}']),
    *_cases("OLD JSON special", "{$.users != 1}", [], ['{"users": [1, 2, 3]}']),
    *_cases(
        "OLD JSON wildcard",
        "{ $.eventName = *Event }",
        ['{"eventName": "PutEvent"}', '{"eventName": "GetEvent"}'],
    ),
    *_cases(
        "OLD JSON wildcard",
        "{ $.eventName = Event* }",
        ['{"eventName": "EventId"}', '{"eventName": "EventName"}'],
    ),
    *_cases(
        "OLD JSON wildcard",
        "{ $.eventName = Ev*ent }",
        ['{"eventName": "Ev*ent"}'],
        ['{"eventName": "Event"}'],
    ),
    *_cases("OLD publishing values", "{ $.latency = * }", ['{"latency": 50}'], ['{"other": 50}']),
]

# Numeric patterns: both pages list them without events (derived events).
NUMERIC_CASES = [
    *_cases(
        "SYNTAX numeric >", "{ $.bandwidth > 75 }", ['{"bandwidth": 76}'], ['{"bandwidth": 75}']
    ),
    *_cases("SYNTAX numeric <", "{ $.latency < 50 }", ['{"latency": 49.5}'], ['{"latency": 50}']),
    *_cases(
        "SYNTAX numeric >=",
        "{ $.refreshRate >= 60 }",
        ['{"refreshRate": 60}'],
        ['{"refreshRate": 59}'],
    ),
    *_cases(
        "SYNTAX numeric <=",
        "{ $.responseTime <= 5 }",
        ['{"responseTime": 5}'],
        ['{"responseTime": 6}'],
    ),
    *_cases(
        "SYNTAX numeric =", "{ $.errorCode = 400}", ['{"errorCode": 400}'], ['{"errorCode": 401}']
    ),
    *_cases(
        "SYNTAX numeric !=",
        "{ $.errorCode != 500 }",
        ['{"errorCode": 400}'],
        ['{"errorCode": 500}'],
    ),
    *_cases(
        "SYNTAX numeric e+", "{ $.number[0] = 1e+3 }", ['{"number": [1000]}'], ['{"number": [100]}']
    ),
    *_cases(
        "SYNTAX numeric e-",
        "{ $.number[0] != 1e-3 }",
        ['{"number": [1000]}'],
        ['{"number": [0.001]}'],
    ),
    *_cases("OLD numeric", "{ $.latency >= 500 }", ['{"latency": 500}'], ['{"latency": 499}']),
    *_cases(
        "OLD numeric", "{ $.numbers[0] < 10e3 }", ['{"numbers": [9999]}'], ['{"numbers": [10000]}']
    ),
    *_cases(
        "OLD numeric", "{ $.numbers[0] < 10e-3 }", ['{"numbers": [0.009]}'], ['{"numbers": [0.01]}']
    ),
    *_cases(
        "OLD numeric",
        "{ $.processes[4].averageRuntime <= 55.5 }",
        ['{"processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]}'],
        ['{"processes": [{"averageRuntime": 1}]}'],
    ),
    *_cases("OLD numeric", "{ $.latency > +1000 }", ['{"latency": 1001}'], ['{"latency": 1000}']),
]

# -- space-delimited log events -------------------------------------------------------------------

APACHE = '127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
A200 = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534'
A500 = '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324'
L1 = "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200"
L2 = "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310"
L3 = "WARNING 09/25/2014 12:00:02 Invalid user request"
L4 = "ERROR 09/25/2014 12:00:02 Failed to process request"
FIELDS7 = "ip, user, username, timestamp, request"

SPACE_CASES = [
    *_cases(
        "SYNTAX space-delimited",
        r"[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*,"
        " bytes]",
        [APACHE],
        [A200],
    ),
    *_cases(
        "SYNTAX ellipsis", "[..., request =*.html*, status_code = 4*, bytes]", [APACHE], [A200]
    ),
    *_cases(
        "SYNTAX space-delimited OR",
        f"[{FIELDS7} =*.html*, status_code = 404 || status_code = 410, bytes]",
        [APACHE],
        [APACHE.replace(" 404 ", " 200 ")],
    ),
    *_cases("SYNTAX match in order", "[w1=ERROR, w2]", [L4], [L1, L2, L3]),
    *_cases("SYNTAX AND/OR", "[w1=ERROR || w1=WARNING, w2]", [L3, L4], [L1, L2]),
    *_cases("SYNTAX exclude", "[w1!=ERROR && w1!=WARNING, w2]", [L1, L2], [L3, L4]),
    *_cases(
        "SYNTAX top level URI",
        "[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]",
        [L1],
        [L2],
    ),
    *_cases(
        "SYNTAX child level URI",
        "[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%,"
        " response_time]",
        [L2],
        [L1],
    ),
    *_cases("OLD space-delimited", f"[{FIELDS7}, status_code, bytes]", [A200, A500]),
    *_cases("OLD ellipsis", "[..., status_code, bytes]", [A200, A500]),
    *_cases("OLD ellipsis", "[ip, user, ..., status_code, bytes]", [A200, A500]),
    *_cases("OLD ellipsis", "[ip, user, ...]", [A200, A500]),
    *_cases("OLD conditions", f"[{FIELDS7}, status_code, bytes > 1000]", [A200, A500]),
    *_cases("OLD conditions", f"[{FIELDS7}, status_code = 200, bytes]", [A200], [A500]),
    *_cases("OLD conditions", f"[{FIELDS7}, status_code = 4*, bytes]", [APACHE], [A200, A500]),
    *_cases("OLD conditions", f"[{FIELDS7} = *html*, status_code = 4*, bytes]", [APACHE], [A200]),
    *_cases(
        "OLD AND",
        f"[{FIELDS7}, status_code = 4* && status_code != 403, bytes]",
        [APACHE],
        [APACHE.replace(" 404 ", " 403 ")],
    ),
    *_cases(
        "OLD OR",
        f"[{FIELDS7}, status_code = 403 || status_code = 404, bytes]",
        [APACHE],
        [A200],
    ),
]

DOC_CASES = REGEX_CASES + TERM_CASES + JSON_CASES + NUMERIC_CASES + SPACE_CASES

# The one extraction the pages show (OLD "Extracted fields for the log event and filter
# pattern"); the page's $request reads "GET /products/index.html", a typo for its own event.
EXTRACTION_PATTERN = "[..., request=*.html*, status_code=4*,]"
EXTRACTION_EVENT = (
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
)
EXTRACTED = {
    "$status_code": "404",
    "$request": "GET /index.html HTTP/1.0",
    "$7": "1534",
    "$4": "10/Oct/2000:13:25:15 -0700",
    "$3": "frank",
    "$2": "-",
    "$1": "127.0.0.1",
}

# What the pages say CloudWatch rejects.
REJECTED = [
    Rejected("%something!%", "SYNTAX: %something!% would be rejected since ! is not supported"),
    Rejected("%^(ERROR|WARN)%", "SYNTAX: the ( and ) operators are not supported"),
    Rejected("%café%", "SYNTAX: multi-byte characters are not supported"),
    Rejected(
        "{ $.a = %x% || $.b = %y% || $.c = %z% }",
        "SYNTAX quotas: a limit of 2 regex for each JSON filter pattern",
    ),
    Rejected("[a=%x%, b=%y%, c=%z%]", "SYNTAX quotas: 2 regex for each delimited pattern"),
    Rejected("{ $.a IS NOT NULL }", "SYNTAX: IS NOT and EXISTS currently aren't supported"),
    Rejected("{ $.a EXISTS }", "SYNTAX: IS NOT and EXISTS currently aren't supported"),
    Rejected("{ $.objectList[*].* = 1 }", "SYNTAX quotas: up to one wildcard per selector"),
    Rejected(
        "{ $.a[*] = 1 || $.b[*] = 1 || $.c[*] = 1 || $.d[*] = 1 }",
        "SYNTAX quotas: up to three wildcard selectors in a compound pattern",
    ),
    Rejected("{ $.email = John@example.com }", "OLD: strings with @, $, \\ must be quoted"),
    Rejected("Status: timeout", "SYNTAX: terms with non-alphanumeric characters must be quoted"),
    Rejected("x" * 1025, "TestMetricFilter API: filterPattern is at most 1024 characters"),
]
