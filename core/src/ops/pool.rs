//! Pooling: max_pool, average_pool.
