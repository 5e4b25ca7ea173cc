//! Scan decoding: GS1 element strings, GS1 Digital Link, HIBC, ANSI MH10.8.2
//! supplier labels and site labels.
