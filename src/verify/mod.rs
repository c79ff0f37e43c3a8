//! Certificate verification (in progress).
