//! The declared `rust-version`s hold for the lock file. The library's
//! (Cargo.toml) is checked by CI building it with that toolchain, Debian's
//! rustc-web (`.ci/run`), which refuses any package that declares a newer
//! one; that build leaves out the `legacy` feature, whose crates need more.
//! The rest of the lock (`legacy`, the example tools, the tests) is built
//! only with the machine's newer toolchain, so this test checks it on paper:
//! no locked package that cargo has downloaded declares a higher
//! `rust-version` than the tools do (examples/Cargo.toml), and they build
//! `legacy`. (The lock is resolved with `incompatible-rust-versions =
//! "fallback"`, in `.cargo/config.toml`, against the lower of the two, so
//! `cargo update` keeps it within them where it can; this test catches a
//! lock that drifted, or a `rust-version` that was not raised with it.)

use std::path::PathBuf;

/// `major.minor[.patch]` as a comparable triple.
fn version(text: &str) -> (u32, u32, u32) {
    let mut parts = text
        .trim()
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// The value of `key = "..."` on its own line in a manifest, if any.
fn field(manifest: &str, key: &str) -> Option<String> {
    manifest.lines().find_map(|line| {
        let rest = line.trim().strip_prefix(key)?.trim_start();
        let value = rest.strip_prefix('=')?.trim();
        Some(value.trim_matches('"').to_string())
    })
}

/// Where cargo unpacks downloaded crates: `$CARGO_HOME/registry/src/*/`.
fn registry_dirs() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry").join("src")) else {
        return Vec::new();
    };
    std::fs::read_dir(src)
        .map(|dirs| dirs.filter_map(|d| Some(d.ok()?.path())).collect())
        .unwrap_or_default()
}

#[test]
fn no_locked_package_needs_a_newer_rust_than_we_declare() {
    let root = env!("CARGO_MANIFEST_DIR");
    let declared = |path: &str| {
        let manifest = std::fs::read_to_string(format!("{root}/{path}")).unwrap();
        version(&field(&manifest, "rust-version").expect("rust-version"))
    };
    let (library, tools) = (declared("Cargo.toml"), declared("examples/Cargo.toml"));
    assert!(
        library <= tools,
        "the tools build the library: {tools:?} < {library:?}"
    );
    let lock = std::fs::read_to_string(format!("{root}/Cargo.lock")).unwrap();
    let registries = registry_dirs();
    let (mut checked, mut too_new) = (0, Vec::new());
    for package in lock.split("[[package]]").skip(1) {
        let (Some(name), Some(ver)) = (field(package, "name"), field(package, "version")) else {
            continue;
        };
        // Path packages (ours) have no source.
        if field(package, "source").is_none() {
            continue;
        }
        // Crates for other platforms are locked but never downloaded here.
        let Some(text) = registries
            .iter()
            .find_map(|r| std::fs::read_to_string(r.join(format!("{name}-{ver}/Cargo.toml"))).ok())
        else {
            continue;
        };
        checked += 1;
        if let Some(needs) = field(&text, "rust-version") {
            if version(&needs) > tools {
                too_new.push(format!("{name} {ver} needs {needs}"));
            }
        }
    }
    assert!(checked > 50, "only {checked} locked packages found on disk");
    assert!(
        too_new.is_empty(),
        "examples/Cargo.toml declares rust-version {tools:?}, but: {too_new:?}"
    );
}
