//! Alert and ChangeCipherSpec payloads (in progress).
