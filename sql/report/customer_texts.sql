-- grain: one row per text a customer wrote (chat messages, social comments, mentions and
-- DMs), the $limit most recent in the report's scope, with the stage it was written in: a
-- chat's is the stage of the chat touchpoint that started the conversation, a social text's
-- the stage of the customer's last journey step at or before it. Texts whose journey is not
-- in the scope (or that come before any step) are left out. Only texts written at or after
-- $since are read (report.sentiment widens the window until it holds $limit texts or all of
-- them), so a night does not read the JSON of every text ever written.
-- Inputs: events, journey_steps, jm_report_scope (report/scope), map_touchpoints, $since,
-- $limit.
with
texts as (
    select
        e.channel,
        e.customer_id,
        e.session_id,
        e.occurred_at,
        jm_json_get(e.attributes, 'text') as text
    from events as e
    where e.channel in ('chat', 'social')
        and e.occurred_at >= $since
        and jm_json_get(e.attributes, 'text') is not null
        and coalesce(jm_json_get(e.attributes, 'sender'), 'customer') = 'customer'
),

steps as (
    select js.customer_id, js.occurred_at, js.event_id, js.source, tp.stage, tp.channel
    from journey_steps as js
    inner join jm_report_scope as s on s.journey_id = js.journey_id
    inner join map_touchpoints as tp on tp.touchpoint = js.touchpoint
),

-- the chat touchpoint that started each conversation of the window's chat texts
conversations as (
    select distinct st.stage, e.session_id
    from steps as st
    inner join events as e on e.event_id = st.event_id and e.source = st.source
    where st.channel = 'chat'
        and e.session_id in (select session_id from texts where channel = 'chat')
),

chat_texts as (
    select c.stage, t.channel, t.occurred_at, t.text
    from texts as t
    inner join conversations as c on c.session_id = t.session_id
    where t.channel = 'chat'
),

social_candidates as (
    select
        st.stage,
        t.channel,
        t.occurred_at,
        t.text,
        row_number() over (
            partition by t.customer_id, t.occurred_at, t.text order by st.occurred_at desc
        ) as latest
    from texts as t
    inner join steps as st on st.customer_id = t.customer_id and st.occurred_at <= t.occurred_at
    where t.channel = 'social'
        and st.customer_id in (select customer_id from texts where channel = 'social')
),

final as (
    select stage, channel, occurred_at, text from chat_texts
    union all
    select stage, channel, occurred_at, text from social_candidates where latest = 1
)

select stage, channel, text, occurred_at from final
order by occurred_at desc
limit $limit
