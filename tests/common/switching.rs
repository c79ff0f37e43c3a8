//! Certificate resolvers whose answer changes after the first call: a peer
//! that presents another certificate in a renegotiation than in the first
//! handshake, for the identity checks of RFC 5746 renegotiation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sanstls::config::{
    CertificateRequestInfo, CertifiedKey, ClientHelloInfo, ResolvesClientCert, ResolvesServerCert,
};

/// Returns `first` to the first call and `second` to every later one.
#[derive(Debug)]
pub struct Switching {
    first: Arc<CertifiedKey>,
    second: Arc<CertifiedKey>,
    calls: AtomicUsize,
}

impl Switching {
    pub fn new(first: CertifiedKey, second: CertifiedKey) -> Self {
        Switching {
            first: Arc::new(first),
            second: Arc::new(second),
            calls: AtomicUsize::new(0),
        }
    }

    fn next(&self) -> Arc<CertifiedKey> {
        match self.calls.fetch_add(1, Ordering::SeqCst) {
            0 => self.first.clone(),
            _ => self.second.clone(),
        }
    }
}

/// A server whose certificate changes after the first ClientHello.
impl ResolvesServerCert for Switching {
    fn resolve(&self, _: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.next())
    }
}

/// A client whose certificate changes after the first CertificateRequest.
impl ResolvesClientCert for Switching {
    fn resolve(&self, _: &CertificateRequestInfo<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.next())
    }
}
