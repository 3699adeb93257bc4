-- grain: one line per record in the generated live-chat export (JSON lines): each chat
-- touchpoint becomes a conversation of several messages, a possible bot-to-agent handoff and a
-- CSAT answer.
-- Inputs: gen_events, where bad_kind is set on events that also get a planted broken copy.
with
chats as (
    select * from gen_events where channel = 'chat'
),

-- one row per message of a conversation; offsets in seconds from the conversation start
messages as (
    select
        c.*,
        m.seq,
        m.kind as message_type,
        m.sender,
        m.text
    from chats as c
    cross join lateral (
        select * from (values
            (0, 'conversation_started', 'customer', c.chat_opening),
            (1, 'message', 'bot', 'Thanks for reaching out! Let me check that for you.'),
            (2, 'message', 'customer', c.chat_followup),
            (3, 'handoff', 'bot', 'Connecting you with an agent.'),
            (4, 'message', 'agent', 'Hi, this is Sam from the team, happy to help.'),
            (5, 'csat', 'customer', null)
        ) as v(seq, kind, sender, text)
        where v.seq < 3 or (c.handoff and v.seq < 5) or (v.seq = 5 and c.csat is not null)
    ) as m
),

records as (
    select
        occurred_at + to_seconds(seq * 40) as sort_ts,
        case when seq = 0 then bad_kind end as bad_kind,
        'msg-' || lpad(cast(uid as varchar), 9, '0') || '-' || cast(seq as varchar) as message_id,
        conversation_id,
        -- the generator's times arrive as TIMESTAMP_NS, and epoch_ms() rejects those (duckdb 2.0)
        epoch_ms(cast(occurred_at + to_seconds(seq * 40) as timestamp)) as ts_ms,
        message_type,
        intent,
        sender,
        text,
        case when message_type = 'csat' then csat end as csat,
        email,
        phone,
        cookie_id
    from messages
),

as_json as (
    select
        sort_ts,
        0 as sort_copy,
        cast(to_json({
            'message_id': message_id, 'conversation_id': conversation_id, 'timestamp': ts_ms,
            'type': message_type, 'intent': intent, 'sender': sender, 'text': text,
            'csat': csat, 'customer': {'email': email, 'phone': phone},
            'visitor': {'cookie_id': cookie_id}
        }) as varchar) as line
    from records
    union all
    select
        sort_ts,
        1 as sort_copy,
        case bad_kind
            when 'malformed_json' then '{"message_id": "' || message_id || '-x", "conversation_id": '
            when 'bad_timestamp' then cast(to_json({
                'message_id': message_id || '-badts', 'conversation_id': conversation_id,
                'timestamp': 'yesterday 10am', 'type': message_type, 'intent': intent,
                'sender': sender, 'text': text, 'customer': {'email': email, 'phone': phone}}) as varchar)
            when 'missing_identity' then cast(to_json({
                'message_id': message_id || '-anon', 'conversation_id': null,
                'timestamp': ts_ms, 'type': message_type, 'intent': intent,
                'sender': sender, 'text': text, 'customer': {'email': null, 'phone': null},
                'visitor': {'cookie_id': null}}) as varchar)
            when 'duplicate' then cast(to_json({
                'message_id': message_id, 'conversation_id': conversation_id, 'timestamp': ts_ms,
                'type': message_type, 'intent': intent, 'sender': sender, 'text': text,
                'csat': csat, 'customer': {'email': email, 'phone': phone},
                'visitor': {'cookie_id': cookie_id}}) as varchar)
        end as line
    from records
    where bad_kind is not null
)

select cast(line as varchar) as line
from as_json
order by sort_ts, sort_copy
