"""twcs_csv onto raw.social_posts and zendesk_fivetran onto raw.support_tickets."""

from datetime import datetime

from orchestration.ingest.loader import ingest_table

TWCS_CSV = (
    "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
    '119237,105834,True,Wed Oct 11 06:55:44 +0000 2017,"@AppleSupport help, please",119236,\n'
    "119236,AppleSupport,False,Wed Oct 11 08:05:44 +0200 2017,@105834 Hi!,,119237.0\n"
    "119240,105835,maybe,Wed Oct 11 06:55:44 +0000 2017,hm,,\n"
)


def test_twcs_maps_posts(conn, landing, fetch):
    config = landing(
        [{"path": "social/twcs.csv", "channel": "social", "format": "twcs_csv"}],
        {"social/twcs.csv": TWCS_CSV},
    )
    result = ingest_table(conn, config, "social_posts")

    assert result.rows_loaded == 2
    customer, brand = fetch("select * from raw.social_posts order by _line")
    assert customer["post_id"] == "119237"
    assert customer["author_handle"] == "105834"
    assert customer["is_inbound"] is True
    assert customer["text"] == "@AppleSupport help, please"
    assert customer["created_at"] == datetime(2017, 10, 11, 6, 55, 44)
    assert customer["created_at_raw"] == "Wed Oct 11 06:55:44 +0000 2017"
    assert customer["in_reply_to_post_id"] is None
    assert brand["is_inbound"] is False
    assert brand["created_at"] == datetime(2017, 10, 11, 6, 5, 44)
    assert brand["in_reply_to_post_id"] == "119237"
    (quarantined,) = fetch("select _line, reason from raw.quarantine")
    assert quarantined == {"_line": 3, "reason": "is_inbound: invalid BOOLEAN value 'maybe'"}


TICKETS_CSV = (
    "id,_fivetran_synced,created_at,priority,requester_id,status,subject,via_channel,"
    "via_source_from_address\n"
    "1595,2020-03-20 02:32:49.426,2020-02-19 01:54:52,high,2222,open,Login,web,\n"
    "1596,2020-03-20 02:32:49.426,2020-02-19T03:00:00Z,,3333,new,Delivery,twitter,@dee_s\n"
    "1597,2020-03-20 02:32:49.426,2020-02-20 10:00:00,,4444,new,Refund,email,"
    "eve@example.com\n"
    "1598,2020-03-20 02:32:49.426,,,2222,new,No date,web,\n"
)
USERS_CSV = (
    "id,email,phone,updated_at\n"
    "2222,old@example.com,,2020-01-01 00:00:00\n"
    "2222,dana@example.com,+15550100002,2020-02-01 00:00:00\n"
    "3333,,,2020-01-01 00:00:00\n"
)


def test_zendesk_joins_users_and_handles(conn, landing, fetch):
    config = landing(
        [
            {
                "path": "support/ticket_data.csv",
                "channel": "support",
                "format": "zendesk_fivetran",
                "options": {"users": "support/user_data.csv"},
            }
        ],
        {"support/ticket_data.csv": TICKETS_CSV, "support/user_data.csv": USERS_CSV},
    )
    result = ingest_table(conn, config, "support_tickets")

    assert result.rows_loaded == 3
    web, twitter, email = fetch("select * from raw.support_tickets order by _line")
    assert web["ticket_id"] == "1595"
    assert web["requester_id"] == "2222"
    assert web["requester_email"] == "dana@example.com"
    assert web["requester_phone"] == "+15550100002"
    assert web["requester_handle"] is None
    assert web["created_at"] == datetime(2020, 2, 19, 1, 54, 52)
    assert web["priority"] == "high"
    assert web["status"] == "open"
    assert web["subject"] == "Login"
    assert twitter["requester_handle"] == "@dee_s"
    assert twitter["requester_email"] is None
    assert twitter["via_channel"] == "twitter"
    assert twitter["created_at"] == datetime(2020, 2, 19, 3, 0)
    assert email["requester_email"] == "eve@example.com"
    (quarantined,) = fetch("select _line, reason from raw.quarantine")
    assert quarantined == {"_line": 4, "reason": "created_at is missing or empty"}


def test_zendesk_timezone_option_converts_naive_times(conn, landing, fetch):
    config = landing(
        [
            {
                "path": "support/ticket_data.csv",
                "channel": "support",
                "format": "zendesk_fivetran",
                "options": {"timezone": "America/New_York"},
            }
        ],
        {"support/ticket_data.csv": "id,created_at\n1,2020-02-19 01:54:52\n"},
    )
    ingest_table(conn, config, "support_tickets")
    (row,) = fetch("select created_at, requester_email from raw.support_tickets")
    assert row["created_at"] == datetime(2020, 2, 19, 6, 54, 52)
    assert row["requester_email"] is None


FIELD_HISTORY_CSV = (
    "field_name,ticket_id,updated,_fivetran_synced,user_id,value\n"
    # 1595: solved, reopened, solved again, then closed.
    "status,1595,2020-02-19 02:00:00,2020-03-20 02:32:49.426,,open\n"
    "status,1595,2020-02-19 05:00:00,2020-03-20 02:32:49.426,,solved\n"
    "satisfaction_score,1595,2020-02-19 06:00:00,2020-03-20 02:32:49.426,,offered\n"
    "status,1595,2020-02-20 08:00:00,2020-03-20 02:32:49.426,,open\n"
    "status,1595,2020-02-21 09:30:00,2020-03-20 02:32:49.426,,solved\n"
    "satisfaction_score,1595,2020-02-21 10:00:00,2020-03-20 02:32:49.426,,Good\n"
    "status,1595,2020-02-25 09:30:00,2020-03-20 02:32:49.426,,closed\n"
    # 1596: closed without a solve.
    "status,1596,2020-02-19 04:00:00,2020-03-20 02:32:49.426,,closed\n"
    "status,1596,2020-02-26 04:00:00,2020-03-20 02:32:49.426,,closed\n"
    "satisfaction_score,1596,2020-02-19 04:10:00,2020-03-20 02:32:49.426,,offered\n"
)


def test_zendesk_field_history_gives_solved_and_rating(conn, landing, fetch):
    config = landing(
        [
            {
                "path": "support/ticket_data.csv",
                "channel": "support",
                "format": "zendesk_fivetran",
                "options": {"field_history": "support/ticket_field_history_data.csv"},
            }
        ],
        {
            "support/ticket_data.csv": TICKETS_CSV,
            "support/ticket_field_history_data.csv": FIELD_HISTORY_CSV,
        },
    )
    ingest_table(conn, config, "support_tickets")

    rows = fetch(
        "select ticket_id, solved_at, solved_at_raw, satisfaction_rating"
        " from raw.support_tickets order by _line"
    )
    assert rows == [
        # The latest change to solved, and the latest survey score.
        {
            "ticket_id": "1595",
            "solved_at": datetime(2020, 2, 21, 9, 30),
            "solved_at_raw": "2020-02-21 09:30:00",
            "satisfaction_rating": "good",
        },
        # Never solved: the first change to closed.
        {
            "ticket_id": "1596",
            "solved_at": datetime(2020, 2, 19, 4, 0),
            "solved_at_raw": "2020-02-19 04:00:00",
            "satisfaction_rating": "offered",
        },
        # No history rows.
        {
            "ticket_id": "1597",
            "solved_at": None,
            "solved_at_raw": None,
            "satisfaction_rating": None,
        },
    ]
