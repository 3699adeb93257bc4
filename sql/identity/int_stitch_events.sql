-- grain: one row per event of an identifier this stitch labelled
-- An incremental stitch relabels whole components (they only grow), so these are every event
-- of every customer it changes: int_stitch_customers, the re-pointing of events and the
-- changed customers' rows read them here instead of each reading all events.
-- customer_id: the event's customer before this stitch; new_customer_id: after it. jm_row:
-- the event's row id, by which the re-pointing finds the events it moves (identity.py reads
-- events through a view that adds it: DuckDB's rowid, Delta's row tracking id on Spark).
-- Inputs: events (with jm_row), jm_stitched (the customer of every node this stitch
-- labelled).
with
stitched as (
    select node, customer_id from jm_stitched
),

final as (
    select
        e.jm_row,
        e.identity_key,
        e.customer_id,
        m.customer_id as new_customer_id,
        e.occurred_at,
        e.channel,
        e.touchpoint
    from events as e
    inner join stitched as m on m.node = e.identity_key
)

select * from final
