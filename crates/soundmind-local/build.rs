//! Builds whisper.cpp against the ggml that `llama-cpp-sys-2` builds, so the program holds ONE ggml.
//!
//! The recipe (see README.md for why):
//! 1. `llama-cpp-sys-2` (a normal dependency, `links = "llama"`) builds llama.cpp + ggml with `GGML_NATIVE=OFF`,
//!    installs ggml's CMake package, and hands us its path as `DEP_LLAMA_GGML_CMAKE_DIR`.
//! 2. The whisper.cpp source is the one shipped inside the `whisper-rs-sys` crate (pinned, `=0.15.0`, whisper.cpp
//!    1.8.3). It is declared as a dependency for a target that never exists (`cfg(any())`), so Cargo locks and
//!    checksums it but never builds it; `cargo metadata` tells us where Cargo unpacked it (registry or vendor dir).
//! 3. We copy whisper.cpp's own files (not its ggml) into `OUT_DIR` and build `libwhisper.a` with CMake and
//!    `WHISPER_USE_SYSTEM_GGML=ON`, `ggml_DIR` = llama's ggml package. We link only `whisper`; ggml comes from
//!    `llama-cpp-sys-2`'s link lines.
//! 4. bindgen writes the `whisper_*` bindings from the same headers the library was compiled with.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The whisper-rs-sys release whose bundled whisper.cpp (1.8.3) is known to compile against llama's ggml.
const WHISPER_RS_SYS_VERSION: &str = "0.15.0";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOUNDMIND_WHISPER_CPP_DIR");

    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let ggml_cmake_dir = PathBuf::from(env::var("DEP_LLAMA_GGML_CMAKE_DIR").unwrap_or_else(|_| {
        panic!(
            "DEP_LLAMA_GGML_CMAKE_DIR is not set: llama-cpp-sys-2 (>= 0.1.161) must be a direct dependency of \
             soundmind-local, and its build must install ggml's CMake package"
        )
    }));
    let llama_prefix = ggml_cmake_dir
        .parent()
        .and_then(Path::parent)
        .expect("DEP_LLAMA_GGML_CMAKE_DIR looks like <prefix>/lib/cmake")
        .to_path_buf();
    check_portable_ggml(&llama_prefix);

    let source = whisper_source();
    let whisper_src = copy_whisper_source(&source, &out_dir.join("whisper.cpp"));

    // Only whisper.cpp's own sources are compiled here; ggml is found as a CMake package.
    let mut config = cmake::Config::new(&whisper_src);
    config
        .profile("Release")
        .define("BUILD_SHARED_LIBS", "OFF")
        .define("WHISPER_USE_SYSTEM_GGML", "ON")
        .define("ggml_DIR", ggml_cmake_dir.join("ggml"))
        .define("CMAKE_PREFIX_PATH", &llama_prefix)
        .define("WHISPER_BUILD_TESTS", "OFF")
        .define("WHISPER_BUILD_EXAMPLES", "OFF")
        .define("WHISPER_BUILD_SERVER", "OFF")
        .define("WHISPER_ALL_WARNINGS", "OFF")
        .define("WHISPER_CURL", "OFF")
        .define("WHISPER_SDL2", "OFF")
        .define("GGML_NATIVE", "OFF")
        .pic(true);
    let whisper_prefix = config.build();

    for libdir in ["lib", "lib64"] {
        let dir = whisper_prefix.join(libdir);
        if dir.join(static_lib_name("whisper")).is_file() {
            println!("cargo:rustc-link-search=native={}", dir.display());
        }
    }
    println!("cargo:rustc-link-lib=static=whisper");
    // whisper.cpp is C++; llama-cpp-sys-2 links the C++ runtime too, but say so for our own archive.
    let target = env::var("TARGET").expect("TARGET");
    if target.contains("apple") {
        println!("cargo:rustc-link-lib=dylib=c++");
    } else if target.contains("linux") && target.contains("gnu") {
        println!("cargo:rustc-link-lib=dylib=stdc++");
    }

    let bindings = bindgen::Builder::default()
        .header(whisper_src.join("include/whisper.h").to_string_lossy())
        // The headers ggml was *built* with (llama's install), not whisper.cpp's bundled copy.
        .clang_arg(format!("-I{}", llama_prefix.join("include").display()))
        .clang_arg(format!("-I{}", whisper_src.join("include").display()))
        .allowlist_function("whisper_.*")
        .allowlist_type("whisper_.*")
        .allowlist_var("WHISPER_.*")
        .derive_default(true)
        .layout_tests(false)
        .prepend_enum_name(false)
        .generate()
        .expect("bindgen could not read whisper.h (is libclang installed? apt-get install libclang-dev)");
    bindings
        .write_to_file(out_dir.join("whisper_bindings.rs"))
        .expect("write whisper_bindings.rs");
}

/// The unpacked whisper.cpp tree: `SOUNDMIND_WHISPER_CPP_DIR` if set, else the one inside whisper-rs-sys.
fn whisper_source() -> PathBuf {
    if let Some(dir) = env::var_os("SOUNDMIND_WHISPER_CPP_DIR") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.join("include/whisper.h").is_file(),
            "SOUNDMIND_WHISPER_CPP_DIR={} holds no include/whisper.h",
            dir.display()
        );
        return dir;
    }
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    // `cargo metadata` resolves exactly what the outer build resolved (same Cargo.lock, same source replacement),
    // and downloads whisper-rs-sys like any other crate if it is not unpacked yet (`cargo fetch` does it ahead of time).
    let output = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(&manifest)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap_or_else(|e| panic!("could not run `{cargo} metadata`: {e}"));
    assert!(
        output.status.success(),
        "`cargo metadata` failed while looking for whisper-rs-sys {WHISPER_RS_SYS_VERSION} (the whisper.cpp source); \
         run `cargo fetch` once with network, or set SOUNDMIND_WHISPER_CPP_DIR:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("`cargo metadata` printed invalid JSON");
    let manifest_path = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "whisper-rs-sys" && p["version"] == WHISPER_RS_SYS_VERSION)
        .and_then(|p| p["manifest_path"].as_str())
        .unwrap_or_else(|| {
            panic!("whisper-rs-sys {WHISPER_RS_SYS_VERSION} is not in the dependency graph (see Cargo.toml)")
        });
    let dir = Path::new(manifest_path)
        .parent()
        .expect("manifest has a parent")
        .join("whisper.cpp");
    assert!(
        dir.join("include/whisper.h").is_file(),
        "{} holds no include/whisper.h",
        dir.display()
    );
    dir
}

/// Copies whisper.cpp's own files (not its bundled ggml) to `dest`. CMake writes into the source tree
/// (`bindings/javascript/package.json`), and the registry copy must stay untouched.
fn copy_whisper_source(src: &Path, dest: &Path) -> PathBuf {
    for entry in ["CMakeLists.txt", "LICENSE", "cmake", "src", "include", "bindings"] {
        let from = src.join(entry);
        if from.exists() {
            copy_tree(&from, &dest.join(entry));
        }
    }
    dest.to_path_buf()
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
        for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
            let entry = entry.expect("dir entry");
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        // Skip unchanged files so CMake does not rebuild on every build-script run.
        let same = fs::read(to)
            .ok()
            .is_some_and(|old| fs::read(from).is_ok_and(|new| new == old));
        if !same {
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
            }
            fs::copy(from, to).unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
        }
    }
}

/// Refuses a ggml built for this CPU only (`GGML_NATIVE=ON`, which llama-cpp-sys-2 picks under
/// `-C target-cpu=native`): the binary would crash with SIGILL on older CPUs.
fn check_portable_ggml(llama_prefix: &Path) {
    let cache = llama_prefix.join("build/CMakeCache.txt");
    let Ok(text) = fs::read_to_string(&cache) else {
        println!(
            "cargo:warning=could not read {} to check GGML_NATIVE",
            cache.display()
        );
        return;
    };
    let native = text
        .lines()
        .find_map(|l| l.strip_prefix("GGML_NATIVE:BOOL="))
        .map(str::trim);
    assert!(
        matches!(native, Some("OFF") | Some("0") | Some("FALSE")),
        "llama-cpp-sys-2 built ggml with GGML_NATIVE={native:?}; Soundmind ships a portable ggml \
         (remove -C target-cpu=native from RUSTFLAGS)"
    );
}

fn static_lib_name(name: &str) -> String {
    if env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|e| e == "msvc") {
        format!("{name}.lib")
    } else {
        format!("lib{name}.a")
    }
}
