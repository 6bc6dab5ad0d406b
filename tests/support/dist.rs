//! The release archive built by `bash dist/build.sh OUTDIR` for this machine's target, which
//! `.ci/run` builds once and names in `TFPOST_DIST_DIR` (the static build takes minutes).

use std::path::PathBuf;

/// `tfpost-VERSION-TARGET.tar.gz` in `TFPOST_DIST_DIR`. Without that variable the tests that need
/// the archive are skipped outside CI and fail in CI (`CI=true`), so a broken `.ci/run` cannot
/// pass by skipping them.
pub fn archive() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("TFPOST_DIST_DIR").filter(|d| !d.is_empty()) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "TFPOST_DIST_DIR is not set: .ci/run builds the release archive with dist/build.sh and names its directory there"
        );
        eprintln!(
            "skipped: set TFPOST_DIST_DIR to the OUTDIR of `bash dist/build.sh OUTDIR` to run this test"
        );
        return None;
    };
    let path = PathBuf::from(dir).join(archive_name());
    assert!(
        path.is_file(),
        "{} is missing: run `bash dist/build.sh` again",
        path.display()
    );
    Some(path)
}

/// `tfpost-VERSION-TARGET.tar.gz` for the target this test was built for.
pub fn archive_name() -> String {
    format!("{}.tar.gz", archive_stem())
}

/// The archive's name without `.tar.gz`: also the directory inside it.
pub fn archive_stem() -> String {
    format!(
        "tfpost-{}-{}",
        env!("CARGO_PKG_VERSION"),
        env!("TFPOST_BUILD_TARGET")
    )
}
