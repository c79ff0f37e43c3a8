//! A server that signs what it likes: DHE parameters edited in flight and
//! signed again with the server's own key, so that a test reaches the
//! client's checks of the parameters (RFC 7919 §3, §5.1) instead of its
//! signature check.

use super::Mitm;

/// The DHE parameters of a ServerKeyExchange (RFC 5246 §7.4.3
/// `ServerDHParams`), as big-endian byte strings for an attacker to edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhParams {
    pub p: Vec<u8>,
    pub g: Vec<u8>,
    pub ys: Vec<u8>,
}

impl DhParams {
    /// `ServerDHParams`: each value as an `opaque <1..2^16-1>`.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [&self.p, &self.g, &self.ys] {
            out.extend_from_slice(&(v.len() as u16).to_be_bytes());
            out.extend_from_slice(v);
        }
        out
    }
}

/// A 2048-bit prime of no standard: the one in tests/data/dh/custom2048.pem
/// (`openssl dhparam 2048`), as an old server's own `-dhparam` file holds
/// it. A client takes it only with `allow_custom_dhe_groups`.
const CUSTOM2048_P: &str = concat!(
    "cf924453eee05c410f78793f09c03b08baded576201d655239a06e5bab7922e5",
    "5f371ebc7bb0d3385c522ca0bfe55d399b9b09f9c9d32c26edcded491e4d2061",
    "c4857d442a7f7e00a8b1d2eb6b0357281e18a6779542eea643db8ab2a2cb238f",
    "c875ae8cd6367a3d082465339af0467b266ff428572cf726858b906be1a93fb8",
    "1b01d6b704fb39b2dd530339ab79530b7b73a58699215731bea38c79bc895796",
    "d76da21fb53086c03f78f4b40f67a2922293c22992084cafc73dc5d727e1d6b8",
    "38222ceaaed68d830145730a70be9f7753a35be31a31677081346ade18b762ab",
    "8220c4fc77ac09dbde0bac7bde2388dcf43f3a0be56d3d2ea0287de05761e0e7",
);

/// [`CUSTOM2048_P`] as bytes.
pub fn custom2048_p() -> Vec<u8> {
    sanstls::internals::hex::decode(CUSTOM2048_P).unwrap()
}

/// The 2048-bit MODP group's prime (RFC 3526 §3, generator 2): a safe prime
/// that is not an RFC 7919 group, but what OpenSSL servers send by default;
/// well known, so a client takes it without the custom-group opt-in.
/// Checked against `openssl genpkey -genparam -algorithm DH -pkeyopt
/// group:modp_2048 | openssl asn1parse`.
const MODP2048_P: &str = concat!(
    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74",
    "020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437",
    "4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed",
    "ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05",
    "98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb",
    "9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b",
    "e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718",
    "3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff",
);

/// [`MODP2048_P`] as bytes.
pub fn modp2048_p() -> Vec<u8> {
    sanstls::internals::hex::decode(MODP2048_P).unwrap()
}

/// The private key of every RSA test certificate ([`KeyType::Rsa2048`]),
/// for ring to sign with.
///
/// [`KeyType::Rsa2048`]: crate::common::KeyType::Rsa2048
pub fn server_rsa_key() -> ring::signature::RsaKeyPair {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/keys/rsa2048.pkcs8.pem"
    ))
    .unwrap();
    let der = crate::common::key_from_pem(&pem);
    ring::signature::RsaKeyPair::from_pkcs8(der.secret_der()).unwrap()
}

/// ring's RSA padding for a TLS signature scheme (RFC 8446 §4.2.3 code
/// points, which TLS 1.2 uses too).
fn rsa_padding(scheme: u16) -> &'static dyn ring::signature::RsaEncoding {
    use ring::signature as sig;
    match scheme {
        0x0401 => &sig::RSA_PKCS1_SHA256,
        0x0501 => &sig::RSA_PKCS1_SHA384,
        0x0601 => &sig::RSA_PKCS1_SHA512,
        0x0804 => &sig::RSA_PSS_SHA256,
        0x0805 => &sig::RSA_PSS_SHA384,
        0x0806 => &sig::RSA_PSS_SHA512,
        _ => panic!("not an RSA signature scheme: {scheme:#06x}"),
    }
}

impl Mitm {
    /// Edits the DHE ServerKeyExchange in flight with `f` and signs it
    /// again, with the same scheme, with the server's own RSA key
    /// ([`server_rsa_key`]): what a server that holds its key, or anyone who
    /// has it, can send. The client's checks of the parameters then decide,
    /// not the signature. Parsed and written here from RFC 5246 §7.4.3, not
    /// with the crate's codec.
    pub fn resign_dhe_params(&mut self, f: impl FnOnce(&mut DhParams)) {
        let (client_random, server_random) = (self.client_random, self.server_random);
        crate::common::wire::edit_body(
            &mut self.wire,
            crate::common::wire::SERVER_KEY_EXCHANGE,
            |body| {
                let mut at = 0;
                let mut take = || {
                    let n = u16::from_be_bytes([body[at], body[at + 1]]) as usize;
                    let v = body[at + 2..at + 2 + n].to_vec();
                    at += 2 + n;
                    v
                };
                let (p, g, ys) = (take(), take(), take());
                let mut params = DhParams { p, g, ys };
                let scheme = u16::from_be_bytes([body[at], body[at + 1]]);
                f(&mut params);
                let params = params.encode();
                let key = server_rsa_key();
                let mut signature = vec![0; key.public().modulus_len()];
                let signed = [&client_random[..], &server_random[..], &params].concat();
                key.sign(
                    rsa_padding(scheme),
                    &ring::rand::SystemRandom::new(),
                    &signed,
                    &mut signature,
                )
                .unwrap();
                *body = params;
                body.extend_from_slice(&scheme.to_be_bytes());
                body.extend_from_slice(&(signature.len() as u16).to_be_bytes());
                body.extend_from_slice(&signature);
            },
        );
    }
}
