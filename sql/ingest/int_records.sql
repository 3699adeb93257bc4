-- grain: one row per input record of one chunk
-- Pseudonymises and validates every record of the chunk (named and parsed by int_fields) and
-- assigns its touchpoint (first matching rule). What depends on a value alone is looked up
-- once per distinct value, each lookup scanning only its columns of jm_stg_fields: the phone
-- identifier in E.164, the keyed hash of every identifier, the rule that matches. reason_code
-- is null for an accepted record; the words of a rejected record's reason are written by
-- int_rejects, for those records only. Raw identifiers do not leave this model, only their
-- keyed hashes; the event id stays as it came until int_new_events (kept only if it holds no
-- PII).
-- Inputs: jm_stg_fields, jm_rules, and bound parameters describing the source.
with
fields as (
    select * from jm_stg_fields
),

-- a phone identifier in E.164 (phonenumbers, in Python)
phone_ids as (
    select phone_text, jm_phone_id(phone_text, $phone_region) as phone
    from (select distinct phone_text from jm_stg_fields where phone_text is not null) as d
),

-- every identifier of the chunk once, with its keyed hash: cookies, users and sessions recur
-- on many records. A web session or chat conversation only links within its source.
identifier_values as (
    select distinct kind, value
    from (
        select 'user' as kind, user_id as value from jm_stg_fields
        union all
        select 'email' as kind, email as value from jm_stg_fields
        union all
        select 'cookie' as kind, cookie_id as value from jm_stg_fields
        union all
        select 'click' as kind, click_id as value from jm_stg_fields
        union all
        select 'click' as kind, url_click_id as value from jm_stg_fields
        union all
        select 'handle' as kind, handle as value from jm_stg_fields
        union all
        select 'phone' as kind, phone as value from phone_ids
        union all
        select 'session' as kind, $source || ':' || session_id as value from jm_stg_fields
    ) as v
    where value is not null
),

identifier_keys as (
    select
        kind,
        value,
        kind || ':' || left(jm_hmac(kind || ':' || value, $ipad, $opad), 32) as node
    from identifier_values
),

-- rules are matched once per distinct key, not once per record
rule_keys as (
    select distinct event_name, url_path, intent, interaction
    from jm_stg_fields
),

rule_matches as (
    select
        k.event_name,
        k.url_path,
        k.intent,
        k.interaction,
        r.touchpoint,
        row_number() over (
            partition by k.event_name, k.url_path, k.intent, k.interaction
            order by r.rule_no
        ) as match_rank
    from rule_keys as k
    inner join jm_rules as r
        on (r.event_name is null or r.event_name = k.event_name)
        and (r.url_path is null or regexp_matches(coalesce(k.url_path, ''), r.url_path))
        and (r.intent is null or r.intent = k.intent)
        and (r.interaction is null or r.interaction = k.interaction)
),

first_match as (
    select event_name, url_path, intent, interaction, touchpoint, true as rule_matched
    from rule_matches
    where match_rank = 1
),

looked_up as (
    select
        f.*,
        user_key.node as n_user,
        email_key.node as n_email,
        cookie_key.node as n_cookie,
        click_key.node as n_click,
        handle_key.node as n_handle,
        phone_key.node as n_phone,
        session_key.node as n_session,
        url_click_key.node as n_url_click,
        m.touchpoint,
        coalesce(m.rule_matched, false) as rule_matched
    from fields as f
    left join phone_ids as p on p.phone_text = f.phone_text
    left join identifier_keys as user_key
        on user_key.kind = 'user' and user_key.value = f.user_id
    left join identifier_keys as email_key
        on email_key.kind = 'email' and email_key.value = f.email
    left join identifier_keys as cookie_key
        on cookie_key.kind = 'cookie' and cookie_key.value = f.cookie_id
    left join identifier_keys as click_key
        on click_key.kind = 'click' and click_key.value = f.click_id
    left join identifier_keys as handle_key
        on handle_key.kind = 'handle' and handle_key.value = f.handle
    left join identifier_keys as phone_key
        on phone_key.kind = 'phone' and phone_key.value = p.phone
    left join identifier_keys as session_key
        on session_key.kind = 'session' and session_key.value = $source || ':' || f.session_id
    left join identifier_keys as url_click_key
        on url_click_key.kind = 'click' and url_click_key.value = f.url_click_id
    left join first_match as m
        on coalesce(m.event_name, '') = coalesce(f.event_name, '')
        and coalesce(m.url_path, '') = coalesce(f.url_path, '')
        and coalesce(m.intent, '') = coalesce(f.intent, '')
        and coalesce(m.interaction, '') = coalesce(f.interaction, '')
),

checked as (
    select
        *,
        coalesce(n_user, n_email, n_cookie, n_click, n_handle, n_phone, n_session) as identity_key
    from looked_up
),

final as (
    select
        record_no,
        parse_error,
        event_id,
        occurred_at_text,
        ts_zone,
        occurred_at,
        event_name,
        url,
        url_path,
        referrer,
        user_agent,
        ip,
        intent,
        interaction,
        csat,
        text,
        attr_values,
        n_user,
        n_email,
        n_cookie,
        n_click,
        n_handle,
        n_phone,
        n_session,
        n_url_click,
        identity_key,
        touchpoint,
        case
            when parse_error is not null then 'malformed_record'
            when occurred_at_text is null then 'missing_timestamp'
            when occurred_at is null
                or occurred_at < timestamp '1990-01-01'
                or occurred_at >= timestamp '2100-01-01' then 'bad_timestamp'
            when event_name is null then 'missing_event_name'
            when identity_key is null then 'missing_identity'
            when not rule_matched and $unmatched = 'quarantine' then 'unknown_event'
        end as reason_code
    from checked
)

select * from final
