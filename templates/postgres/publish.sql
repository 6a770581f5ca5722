{{! What the publication publishes: every operation, each table under its own name. }}
(publish = 'insert, update, delete, truncate', publish_via_partition_root = false)