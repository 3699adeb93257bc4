-- Stages the chunk's new events (staging_publish moves them into events). Pseudonymised: free
-- text, URLs, referrers, event names, intents, interactions and attribute values redacted
-- (click ids in URLs hashed or masked), the IP truncated to its network, the user agent
-- reduced to its class, CSAT kept only as a small number; identifiers appear only as keyed
-- hashes (identity_key, session_id).
-- Inputs: jm_stg_new, $source, $channel, $load_id, $attr_names, $click_id_param.
insert into jm_internal.staged_events
-- an IP's network once per distinct address (IPv6 goes through Python), joined back
with networks as (
    select ip, jm_truncate_ip(ip) as ip_network
    from (select distinct ip from jm_stg_new where ip is not null) as d
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
    jm_json_object(
        list_concat(
            ['url', 'url_path', 'referrer', 'user_agent', 'ip_network', 'intent', 'interaction',
             'csat', 'text'],
            $attr_names
        ),
        list_concat(
            [jm_redact_url(url, $click_id_param, n_url_click), jm_redact(url_path),
             jm_redact_url(referrer, $click_id_param, null), jm_user_agent_class(user_agent),
             n.ip_network, jm_redact(intent), jm_redact(interaction), jm_csat(csat),
             jm_redact(text)],
            coalesce(jm_redact_list(attr_values), [])
        )
    ) as attributes,
    identity_key,
    $load_id as load_id,
    record_no
from jm_stg_new as e
left join networks as n on n.ip = e.ip
where not is_duplicate
