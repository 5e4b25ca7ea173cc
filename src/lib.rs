pub mod cache;
pub mod scanner;
