"""The article's scenario report, as every test of it expects it."""

ARTICLE_ROWS = [
    "participant   sent  recv      chat  notice  roster    join   leave   error",
    "alice            3    11         1       2       6       2       0       0",
    "bob              2    10         2       2       5       1       0       0",
    "carol            1     9         3       2       4       0       0       0",
]
ARTICLE_DELIVERIES = [
    '       alice  "hi everyone"  ->  bob, carol',
    '         bob  "hey alice"  ->  alice, carol',
    '       alice  "ping"  ->  bob, carol',
]
