-- grain: one row per input record of one file
-- Names, parses, pseudonymises and validates every record of the file being loaded, and
-- assigns its touchpoint (first matching rule). reason_code is null for an accepted record.
-- Inputs: jm_stg_input (record_no, raw, parse_error, fields, attr_values), jm_rules, and
-- bound parameters describing the source.
with
input as (
    select * from jm_stg_input
),

-- fields[] follows config.FIELDS; blank values count as missing
named as (
    select
        record_no,
        raw,
        parse_error,
        nullif(trim(fields[1]), '') as event_id,
        nullif(trim(fields[2]), '') as occurred_at_text,
        nullif(trim(fields[3]), '') as event_name,
        nullif(trim(fields[4]), '') as session_id,
        nullif(trim(fields[5]), '') as cookie_id,
        nullif(trim(fields[6]), '') as user_id,
        nullif(lower(trim(fields[7])), '') as email,
        nullif(trim(fields[8]), '') as phone_text,
        nullif(lower(ltrim(trim(fields[9]), '@')), '') as handle,
        coalesce(
            nullif(trim(fields[10]), ''), jm_url_param(fields[12], $click_id_param)
        ) as click_id,
        nullif(trim(fields[11]), '') as ip,
        nullif(trim(fields[12]), '') as url,
        nullif(trim(fields[13]), '') as referrer,
        nullif(trim(fields[14]), '') as user_agent,
        fields[15] as text,
        nullif(trim(fields[16]), '') as intent,
        nullif(trim(fields[17]), '') as interaction,
        nullif(trim(fields[18]), '') as csat,
        attr_values
    from input
),

-- a phone identifier in E.164 (phonenumbers, in Python): once per distinct value, joined back
phone_ids as (
    select phone_text, jm_phone_id(phone_text, $phone_region) as phone
    from (select distinct phone_text from named where phone_text is not null) as d
),

phoned as (
    select n.*, p.phone
    from named as n
    left join phone_ids as p on p.phone_text = n.phone_text
),

-- a timestamp's zone is found once per record, then read by each of the parser's tests
zoned as (
    select
        *,
        case when $timestamp_format = 'iso8601' then jm_ts_zone(occurred_at_text) end as ts_zone
    from phoned
),

parsed as (
    select
        *,
        jm_parse_ts(occurred_at_text, ts_zone, $timestamp_format, $timezone) as occurred_at,
        jm_url_path(url) as url_path
    from zoned
),

-- identifiers as keyed hashes; a web session or chat conversation only links within its source
identified as (
    select
        *,
        'user:' || left(jm_hmac('user:' || user_id, $ipad, $opad), 32) as n_user,
        'email:' || left(jm_hmac('email:' || email, $ipad, $opad), 32) as n_email,
        'cookie:' || left(jm_hmac('cookie:' || cookie_id, $ipad, $opad), 32) as n_cookie,
        'click:' || left(jm_hmac('click:' || click_id, $ipad, $opad), 32) as n_click,
        'handle:' || left(jm_hmac('handle:' || handle, $ipad, $opad), 32) as n_handle,
        'phone:' || left(jm_hmac('phone:' || phone, $ipad, $opad), 32) as n_phone,
        'session:' || left(jm_hmac('session:' || $source || ':' || session_id, $ipad, $opad), 32)
            as n_session,
        -- the click id the URL carries, hashed for the URL stored in events
        'click:' || left(jm_hmac('click:' || jm_url_param(url, $click_id_param), $ipad, $opad), 32)
            as n_url_click,
        -- an event id with PII in it is kept only as its keyed hash
        case
            when event_id is null or jm_redact(event_id) = event_id then event_id
            else 'hmac:' || left(jm_hmac('event:' || event_id, $ipad, $opad), 32)
        end as safe_event_id
    from parsed
),

-- rules are matched once per distinct key, not once per record
rule_keys as (
    select distinct event_name, url_path, intent, interaction
    from identified
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

matched as (
    select
        i.*,
        m.touchpoint,
        coalesce(m.rule_matched, false) as rule_matched
    from identified as i
    left join first_match as m
        on coalesce(m.event_name, '') = coalesce(i.event_name, '')
        and coalesce(m.url_path, '') = coalesce(i.url_path, '')
        and coalesce(m.intent, '') = coalesce(i.intent, '')
        and coalesce(m.interaction, '') = coalesce(i.interaction, '')
),

checked as (
    select
        *,
        coalesce(n_user, n_email, n_cookie, n_click, n_handle, n_phone, n_session) as identity_key,
        case
            when parse_error is not null then 'malformed_record'
            when occurred_at_text is null then 'missing_timestamp'
            when occurred_at is null
                or occurred_at < timestamp '1990-01-01'
                or occurred_at >= timestamp '2100-01-01' then 'bad_timestamp'
            when event_name is null then 'missing_event_name'
            when coalesce(n_user, n_email, n_cookie, n_click, n_handle, n_phone, n_session) is null
                then 'missing_identity'
            when not rule_matched and $unmatched = 'quarantine' then 'unknown_event'
        end as reason_code
    from matched
),

final as (
    select
        *,
        case reason_code
            when 'malformed_record' then parse_error
            when 'missing_timestamp' then
                'missing_timestamp: no value in ' || $timestamp_column || ' (occurred_at)'
            when 'bad_timestamp' then
                'bad_timestamp: ' || $timestamp_column || ' = '''
                || left(jm_redact(occurred_at_text), 40) || ''' is not a timestamp in format '
                || $timestamp_format || ' between 1990 and 2100'
                || coalesce(': ' || jm_ts_problem(occurred_at_text, ts_zone, $timestamp_format, $timezone), '')
                || ' (allowed: ' || $timestamp_help || ')'
            when 'missing_event_name' then
                'missing_event_name: no value in ' || $event_name_column || ' (event_name)'
            when 'missing_identity' then
                'missing_identity: none of the identifier fields has a value (' || $identifier_columns || ')'
            when 'unknown_event' then
                'unknown_event: ' || coalesce('event_name ''' || left(jm_redact(event_name), 80) || '''', '')
                || coalesce(' url_path ''' || left(jm_redact(url_path), 80) || '''', '')
                || coalesce(' intent ''' || left(jm_redact(intent), 80) || '''', '')
                || coalesce(' interaction ''' || left(jm_redact(interaction), 80) || '''', '')
                || ' matches no touchpoint rule of source ' || $source
                || ' (add a rule, with touchpoint: null to keep it without a journey step, or set unmatched: keep)'
        end as reason,
        coalesce(safe_event_id, 'sha256:' || sha256(raw)) as event_key
    from checked
)

select * from final
