fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        // Element ids stay visible to the testing backend (find_by_element_id).
        .with_debug_info(true)
        .with_bundled_translations("lang");
    if let Err(e) = slint_build::compile_with_config("ui/app.slint", config) {
        eprintln!("compiling ui/app.slint: {e}");
        std::process::exit(1);
    }
}
