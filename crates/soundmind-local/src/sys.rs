//! Raw bindings. whisper.cpp's come from our build script (bindgen over the `whisper.h` that `libwhisper.a` was
//! compiled from); llama.cpp's and ggml's come from `llama-cpp-sys-2`.

#[allow(
    non_upper_case_globals,
    non_camel_case_types,
    non_snake_case,
    dead_code,
    unreachable_pub,
    missing_debug_implementations,
    clippy::all,
    clippy::undocumented_unsafe_blocks
)]
pub(crate) mod whisper {
    include!(concat!(env!("OUT_DIR"), "/whisper_bindings.rs"));
}

pub(crate) use llama_cpp_sys_2 as llama;
