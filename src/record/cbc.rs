//! CBC record protection (placeholder: being written).
