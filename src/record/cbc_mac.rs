//! Constant-time HMAC for CBC records (placeholder: being written).
