//! Indexing: basic slicing views, take/gather with scatter-add backward, one_hot.
