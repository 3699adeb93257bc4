-- Stages the chunk's new events (staging_publish moves them into events). Pseudonymised: free
-- text, URLs, referrers, event names, intents, interactions and attribute values redacted
-- (click ids in URLs hashed or masked), the IP truncated to its network, the user agent
-- reduced to its class, CSAT kept only as a small number; identifiers appear only as keyed
-- hashes (identity_key, session_id). The attributes are one JSON object: the fixed keys from a
-- struct, the configured ones (names bound as a list) once per distinct list of values.
-- Inputs: jm_stg_new, $source, $channel, $load_id, $attr_names, $click_id_param.
insert into jm_internal.staged_events
-- an IP's network once per distinct address (IPv6 goes through Python), joined back
with networks as (
    select ip, jm_truncate_ip(ip) as ip_network
    from (select distinct ip from jm_stg_new where ip is not null) as d
),

-- the configured attributes as a JSON object, once per distinct list of values
attribute_objects as (
    select
        attr_values,
        jm_json_object($attr_names, jm_redact_list(attr_values)) as attributes
    from (
        select distinct attr_values from jm_stg_new
        where not is_duplicate and attr_values is not null
    ) as a
)

select
    kept_key as event_id,
    $source as source,
    $channel as channel,
    occurred_at,
    cast(null as varchar) as customer_id,
    touchpoint,
    jm_redact(event_name) as event_name,
    n_session as session_id,
    jm_json_concat(
        cast(to_json({
            'url': jm_redact_url(url, $click_id_param, n_url_click),
            'url_path': jm_redact(url_path),
            'referrer': jm_redact_url(referrer, $click_id_param, null),
            'user_agent': jm_user_agent_class(user_agent),
            'ip_network': n.ip_network,
            'intent': jm_redact(intent),
            'interaction': jm_redact(interaction),
            'csat': jm_csat(csat),
            'text': jm_redact(text)
        }) as varchar),
        o.attributes
    ) as attributes,
    identity_key,
    $load_id as load_id,
    record_no
from jm_stg_new as e
left join networks as n on n.ip = e.ip
left join attribute_objects as o on o.attr_values = e.attr_values
where not is_duplicate
