-- Several workers on one database (PostgreSQL): which worker's sender claimed a delivery row,
-- so a worker that restarts requeues only its own in-flight rows, never another live worker's
-- (rows of a worker that never comes back are requeued once stale, after ten minutes).

ALTER TABLE broadcast_deliveries ADD COLUMN claimed_by TEXT;
