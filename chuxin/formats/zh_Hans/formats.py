"""Dates as Chinese offices write them: 2019年10月31日, 2019年10月31日 14:05 — no zero padding.

Django's own zh_Hans module pads the month in MONTH_DAY_FORMAT ("09月5日") and its "%Y年%n月%j日" input
format cannot parse anything (%j is the day of the year), so the project states its own. Pages use
``{{ d|date }}`` / ``{{ dt|date:"DATETIME_FORMAT" }}``; exports and documents, which are Chinese whatever
the interface language, use ``chuxin.core.i18n.zh_date`` / ``zh_datetime``, which read these formats.
"""

DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
FIRST_DAY_OF_WEEK = 1

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2019-10-31 (what <input type="date"> sends)
    "%Y/%m/%d",  # 2019/10/31
    "%Y.%m.%d",  # 2019.10.31
    "%Y年%m月%d日",  # 2019年10月31日, also 2019年9月5日
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M",
]

# Numbers keep Django's zh_Hans settings (no thousands separator).
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ""
NUMBER_GROUPING = 4
