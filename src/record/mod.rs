//! The record layer (in progress).
