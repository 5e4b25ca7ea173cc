//! Scanner input: wedge bursts, serial framing, the queue.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::atomic::AtomicBool;
use std::thread;
use std::time::Duration;

use sparescan_handheld::scanner::serial::{read_loop, read_timeout};
use sparescan_handheld::scanner::{
    ScanQueue, ScanSource, ScannerConfig, ScannerError, ScannerMode, SerialSplitter, Suffix,
    WedgeDecoder, WedgeEvent, spawn_reader,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn decoder(config: ScannerConfig) -> WedgeDecoder {
    WedgeDecoder::new(&config).expect("valid config")
}

/// Feeds each character of `text` `step` ms apart from `start`; returns all
/// events plus those flushed a second after the last key.
fn type_text(d: &mut WedgeDecoder, text: &str, start: u64, step: u64) -> Vec<WedgeEvent> {
    let mut out = Vec::new();
    let mut at = start;
    for c in text.chars() {
        out.extend(d.feed(c.encode_utf8(&mut [0; 4]), ms(at)));
        at += step;
    }
    out
}

fn scan(bytes: &[u8]) -> WedgeEvent {
    WedgeEvent::Scan(bytes.to_vec())
}

fn typed(s: &str) -> WedgeEvent {
    WedgeEvent::Typed(s.into())
}

// ---- wedge ---------------------------------------------------------------

#[test]
fn fast_burst_with_enter_is_a_scan() {
    let mut d = decoder(ScannerConfig::default());
    assert_eq!(
        type_text(&mut d, "4006381333931\n", 0, 5),
        vec![scan(b"4006381333931")]
    );
    assert_eq!(d.deadline(), None, "nothing left pending");
}

#[test]
fn slow_typing_stays_typed_key_by_key() {
    let mut d = decoder(ScannerConfig::default());
    let mut out = type_text(&mut d, "12", 0, 200);
    out.extend(d.feed("\n", ms(400)));
    out.extend(d.flush_due(ms(1000)));
    assert_eq!(out, vec![typed("1"), typed("2"), typed("\n")]);
}

#[test]
fn too_short_burst_is_typed_with_its_enter() {
    let mut d = decoder(ScannerConfig::default());
    assert_eq!(type_text(&mut d, "ab\n", 0, 5), vec![typed("ab\n")]);
    let mut d = decoder(ScannerConfig::default());
    assert_eq!(type_text(&mut d, "abc\n", 0, 5), vec![scan(b"abc")]);
}

#[test]
fn gap_limit_is_exclusive() {
    // Keys exactly max_gap apart are separate; one ms less, one burst.
    let mut d = decoder(ScannerConfig::default());
    assert_eq!(
        type_text(&mut d, "abc\n", 0, 40),
        vec![typed("a"), typed("b"), typed("c"), typed("\n")]
    );
    let mut d = decoder(ScannerConfig::default());
    assert_eq!(type_text(&mut d, "abc\n", 0, 39), vec![scan(b"abc")]);
}

#[test]
fn burst_without_suffix_is_flushed_by_the_gap() {
    let config = ScannerConfig {
        suffix: Suffix::None,
        ..ScannerConfig::default()
    };
    let mut d = decoder(config);
    assert!(type_text(&mut d, "ITEM-0042", 0, 3).is_empty());
    assert_eq!(d.deadline(), Some(ms(24 + 40)));
    assert!(d.flush_due(ms(63)).is_empty(), "gap not over yet");
    assert_eq!(d.flush_due(ms(64)), vec![scan(b"ITEM-0042")]);
    assert!(d.flush_due(ms(500)).is_empty());
}

#[test]
fn next_key_after_the_gap_also_ends_the_burst() {
    let config = ScannerConfig {
        suffix: Suffix::None,
        ..ScannerConfig::default()
    };
    let mut d = decoder(config);
    assert!(type_text(&mut d, "ABC123", 0, 2).is_empty());
    assert_eq!(d.feed("x", ms(500)), vec![scan(b"ABC123")]);
    assert_eq!(d.flush_due(ms(600)), vec![typed("x")]);
}

#[test]
fn aim_identifier_and_gs_are_kept_in_gs1_data() {
    // `]d2` GS1 DataMatrix: GTIN, GS after the variable-length batch, expiry.
    let data = "]d2010950110153000310ABC123\u{1d}17261231\n";
    let mut d = decoder(ScannerConfig::default());
    assert_eq!(
        type_text(&mut d, data, 0, 4),
        vec![scan(b"]d2010950110153000310ABC123\x1d17261231")]
    );
}

#[test]
fn aim_prefix_marks_scans_but_stays_in_the_data() {
    let config = ScannerConfig {
        prefix: "]".into(),
        ..ScannerConfig::default()
    };
    let mut d = decoder(config);
    // Even slowly (a busy UI thread), a prefixed sequence is a scan.
    assert_eq!(
        type_text(&mut d, "]C1ab\u{1d}c\n", 0, 120),
        vec![scan(b"]C1ab\x1dc")]
    );
}

#[test]
fn stx_prefix_is_removed_and_the_scan_is_captured_while_a_field_has_focus() {
    let config = ScannerConfig {
        prefix: "\u{2}".into(),
        ..ScannerConfig::default()
    };
    let mut d = decoder(config);
    assert!(d.capture_while_text_focused());
    assert!(!d.wants_key("7", ms(0), true), "typing goes to the field");
    assert!(d.wants_key("\u{2}", ms(100), true));
    let mut out = d.feed("\u{2}", ms(100));
    for (i, c) in "12".chars().enumerate() {
        assert!(
            d.wants_key(&c.to_string(), ms(105), true),
            "rest of the scan"
        );
        out.extend(d.feed(&c.to_string(), ms(105 + i as u64)));
    }
    out.extend(d.feed("\n", ms(110)));
    assert_eq!(out, vec![scan(b"12")], "a prefixed scan may be short");
}

#[test]
fn gs_substitutes_become_gs() {
    for sub in ["^]", "<GS>", "@"] {
        let config = ScannerConfig {
            gs_substitute: Some(sub.into()),
            ..ScannerConfig::default()
        };
        let mut d = decoder(config);
        let input = format!("0109501101530003{sub}10AB{sub}21X\n");
        assert_eq!(
            type_text(&mut d, &input, 0, 2),
            vec![scan(b"0109501101530003\x1d10AB\x1d21X")],
            "substitute {sub:?}"
        );
    }
}

#[test]
fn tab_suffix_ends_the_scan_and_enter_is_data_free() {
    let config = ScannerConfig {
        suffix: Suffix::Tab,
        ..ScannerConfig::default()
    };
    let mut d = decoder(config);
    assert_eq!(
        type_text(&mut d, "BIN:A-01\t", 0, 3),
        vec![scan(b"BIN:A-01")]
    );
}

#[test]
fn typing_before_a_scan_is_kept_apart_with_a_prefix() {
    let config = ScannerConfig {
        prefix: "\u{2}".into(),
        ..ScannerConfig::default()
    };
    let mut d = decoder(config);
    let mut out = Vec::new();
    out.extend(d.feed("q", ms(0))); // a person's key right before the trigger
    out.extend(type_text(&mut d, "\u{2}WO:4711\n", 10, 3));
    out.extend(d.feed("w", ms(300)));
    out.extend(type_text(&mut d, "\u{2}BIN:7\n", 305, 3));
    out.extend(d.flush_due(ms(2000)));
    assert_eq!(
        out,
        vec![typed("q"), scan(b"WO:4711"), typed("w"), scan(b"BIN:7")]
    );
}

#[test]
fn interleaved_scans_and_typing_keep_their_order() {
    let mut d = decoder(ScannerConfig::default());
    let mut out = Vec::new();
    out.extend(type_text(&mut d, "x", 0, 100));
    out.extend(type_text(&mut d, "AST:PUMP-7\n", 100, 4));
    out.extend(type_text(&mut d, "yz", 300, 150));
    out.extend(type_text(&mut d, "]Q1USR:jdoe\n", 700, 4));
    out.extend(d.flush_due(ms(5000)));
    assert_eq!(
        out,
        vec![
            typed("x"),
            scan(b"AST:PUMP-7"),
            typed("y"),
            typed("z"),
            scan(b"]Q1USR:jdoe"),
        ]
    );
}

#[test]
fn non_ascii_typing_round_trips() {
    let mut d = decoder(ScannerConfig::default());
    let mut out = type_text(&mut d, "é€", 0, 200);
    out.extend(d.flush_due(ms(1000)));
    assert_eq!(out, vec![typed("é"), typed("€")]);
}

// ---- recorded key events -------------------------------------------------
//
// What Slint delivers to the root FocusScope for a USB HID scanner (key press
// texts only, with the time each arrived in ms): Slint reports the Shift
// press itself as the text U+0010 before each shifted character, Ctrl as
// U+0011 (Ctrl+] then arrives as "]"), Enter as "\n". On a Russian layout
// (xkb "ru") the same keys arrive as the Cyrillic letters at those positions.

#[rustfmt::skip]
const US_BADGE: &[(&str, u64)] = &[("\u{10}", 0), ("U", 3), ("\u{10}", 5), ("S", 7), ("\u{10}", 10), ("R", 13), ("\u{10}", 15), (":", 17), ("\u{10}", 20), ("B", 24), ("-", 27), ("1", 29), ("0", 33), ("0", 38), ("1", 42), ("\u{a}", 46)];
#[rustfmt::skip]
const US_WORK_ORDER: &[(&str, u64)] = &[("\u{10}", 0), ("W", 4), ("\u{10}", 8), ("O", 11), ("\u{10}", 14), (":", 18), ("\u{10}", 22), ("W", 25), ("\u{10}", 29), ("O", 34), ("-", 37), ("1", 42), ("0", 47), ("0", 52), ("3", 54), ("\u{a}", 59)];
#[rustfmt::skip]
const US_GS1_HRI: &[(&str, u64)] = &[("\u{10}", 0), ("(", 5), ("0", 9), ("1", 14), ("\u{10}", 19), (")", 21), ("0", 26), ("4", 28), ("0", 31), ("1", 34), ("2", 37), ("3", 39), ("4", 43), ("5", 48), ("0", 51), ("0", 53), ("0", 55), ("0", 60), ("1", 62), ("6", 64), ("\u{10}", 69), ("(", 73), ("2", 78), ("1", 81), ("\u{10}", 84), (")", 88), ("\u{10}", 90), ("B", 93), ("\u{10}", 97), ("M", 101), ("-", 104), ("0", 108), ("1", 113), ("0", 118), ("2", 122), ("\u{a}", 127)];
#[rustfmt::skip]
const US_GS1_CTRL_GS: &[(&str, u64)] = &[("]", 0), ("d", 4), ("2", 9), ("0", 12), ("1", 14), ("0", 19), ("4", 24), ("0", 29), ("1", 31), ("2", 35), ("3", 37), ("4", 41), ("5", 43), ("0", 45), ("0", 50), ("0", 52), ("0", 56), ("1", 59), ("6", 64), ("2", 69), ("1", 74), ("\u{10}", 76), ("B", 78), ("\u{10}", 83), ("M", 85), ("-", 90), ("0", 93), ("1", 98), ("0", 102), ("2", 104), ("\u{11}", 106), ("]", 108), ("1", 112), ("0", 117), ("\u{10}", 122), ("L", 126), ("-", 128), ("4", 132), ("2", 137), ("\u{a}", 141)];
#[rustfmt::skip]
const RU_BADGE: &[(&str, u64)] = &[("\u{10}", 0), ("Г", 5), ("\u{10}", 10), ("Ы", 12), ("\u{10}", 16), ("К", 21), ("\u{10}", 23), ("Ж", 26), ("\u{10}", 30), ("И", 33), ("-", 38), ("1", 42), ("0", 46), ("0", 49), ("1", 53), ("\u{a}", 58)];
#[rustfmt::skip]
const RU_GS1_CTRL_GS: &[(&str, u64)] = &[("ъ", 0), ("в", 2), ("2", 6), ("0", 9), ("1", 13), ("0", 15), ("4", 18), ("0", 20), ("1", 25), ("2", 29), ("3", 32), ("4", 36), ("5", 38), ("0", 42), ("0", 46), ("0", 51), ("0", 56), ("1", 58), ("6", 63), ("2", 65), ("1", 67), ("\u{10}", 70), ("И", 75), ("\u{10}", 78), ("Ь", 81), ("-", 85), ("0", 89), ("1", 94), ("0", 97), ("2", 99), ("\u{11}", 104), ("ъ", 107), ("1", 111), ("0", 116), ("\u{10}", 121), ("Д", 123), ("-", 127), ("4", 131), ("2", 134), ("\u{a}", 138)];
#[rustfmt::skip]
const US_WORK_ORDER_STALL: &[(&str, u64)] = &[("\u{10}", 0), ("W", 3), ("\u{10}", 5), ("O", 10), ("\u{10}", 13), (":", 15), ("\u{10}", 17), ("W", 21), ("\u{10}", 24), ("O", 26), ("-", 331), ("1", 334), ("0", 337), ("0", 341), ("3", 344), ("\u{a}", 346)];

/// Replays recorded key presses the way the app's root FocusScope hands them
/// to the decoder (no text field focused), with the app's 20 ms timer
/// flushing between keys, then lets the timer run out. A stall of the UI
/// thread delays keys and timer alike: after it, the timer may fire before
/// the keys that waited are handled.
fn replay(d: &mut WedgeDecoder, keys: &[(&str, u64)]) -> Vec<WedgeEvent> {
    let mut out = Vec::new();
    let mut tick = 0;
    for &(text, at) in keys {
        while tick + 20 <= at {
            tick += 20;
            out.extend(d.flush_due(ms(tick)));
        }
        let outcome = d.key(text, ms(at), false);
        out.extend(outcome.events);
    }
    let end = keys.last().map_or(0, |k| k.1) + 60_000;
    out.extend(d.flush_due(ms(end)));
    out
}

#[test]
fn us_layout_hid_scans_with_shift_presses_decode_exactly() {
    for (keys, want) in [
        (US_BADGE, &b"USR:B-1001"[..]),
        (US_WORK_ORDER, b"WO:WO-1003"),
        (US_GS1_HRI, b"(01)04012345000016(21)BM-0102"),
        (US_GS1_CTRL_GS, b"]d2010401234500001621BM-0102\x1d10L-42"),
    ] {
        let mut d = decoder(ScannerConfig::default());
        assert_eq!(
            replay(&mut d, keys),
            vec![scan(want)],
            "{}",
            String::from_utf8_lossy(want)
        );
    }
}

#[test]
fn russian_layout_scans_come_back_as_the_latin_keys() {
    for (keys, want) in [
        (RU_BADGE, &b"USR:B-1001"[..]),
        (RU_GS1_CTRL_GS, b"]d2010401234500001621BM-0102\x1d10L-42"),
    ] {
        let mut d = decoder(ScannerConfig::default());
        assert_eq!(
            replay(&mut d, keys),
            vec![scan(want)],
            "{}",
            String::from_utf8_lossy(want)
        );
    }
    // An AIM prefix is recognised as the Russian layout types it ("ъ").
    let mut d = decoder(ScannerConfig {
        prefix: "]".into(),
        ..ScannerConfig::default()
    });
    assert_eq!(
        replay(&mut d, RU_GS1_CTRL_GS),
        vec![scan(b"]d2010401234500001621BM-0102\x1d10L-42")]
    );
    // A person's typing on the Russian layout stays as typed.
    let mut d = decoder(ScannerConfig::default());
    assert_eq!(
        replay(&mut d, &[("Ж", 0), ("д", 200), (".", 400)]),
        vec![typed("Ж"), typed("д"), typed(".")]
    );
}

#[test]
fn a_300_ms_stall_inside_a_scan_does_not_split_it() {
    let mut d = decoder(ScannerConfig::default());
    assert_eq!(
        replay(&mut d, US_WORK_ORDER_STALL),
        vec![scan(b"WO:WO-1003")]
    );
    // The same with an AIM prefix configured, and with Tab as the suffix.
    let mut d = decoder(ScannerConfig {
        prefix: "W".into(),
        ..ScannerConfig::default()
    });
    assert_eq!(
        replay(&mut d, US_WORK_ORDER_STALL),
        vec![scan(b"O:WO-1003")]
    );
    let tabbed: Vec<_> = US_WORK_ORDER_STALL
        .iter()
        .map(|&(t, at)| (if t == "\n" { "\t" } else { t }, at))
        .collect();
    let mut d = decoder(ScannerConfig {
        suffix: Suffix::Tab,
        ..ScannerConfig::default()
    });
    assert_eq!(replay(&mut d, &tabbed), vec![scan(b"WO:WO-1003")]);
}

#[test]
fn without_a_suffix_the_gap_still_ends_a_scan() {
    // Nothing else can end it: a stall there splits the scan, as documented.
    let mut d = decoder(ScannerConfig {
        suffix: Suffix::None,
        ..ScannerConfig::default()
    });
    let keys: Vec<_> = US_WORK_ORDER_STALL
        .iter()
        .filter(|k| k.0 != "\n")
        .copied()
        .collect();
    assert_eq!(replay(&mut d, &keys), vec![scan(b"WO:WO"), scan(b"-1003")]);
}

/// `WO:WO-1003` from a scanner without a suffix, at the keys' own times
/// (what libinput stamps on the device): 2–5 ms apart. The UI thread stalls
/// from 26 ms to 330 ms, after the sixth key: its timer does not run, and
/// the ten keys pressed meanwhile wait in the input queue.
#[rustfmt::skip]
const US_WORK_ORDER_TIMED: &[(&str, u64)] = &[("\u{10}", 0), ("W", 3), ("\u{10}", 5), ("O", 10), ("\u{10}", 13), (":", 15), ("\u{10}", 17), ("W", 21), ("\u{10}", 24), ("O", 26), ("-", 29), ("1", 32), ("0", 35), ("0", 39), ("3", 42)];

/// Replays `keys` as the app sees them when the UI thread stalls over
/// `stall` (ms): keys pressed before it are handled when pressed, the
/// app's 20 ms timer stops, then runs once, late, before the keys that
/// waited are handled (each with its own press time).
fn replay_stalled(
    d: &mut WedgeDecoder,
    keys: &[(&str, u64)],
    stall: (u64, u64),
) -> Vec<WedgeEvent> {
    let mut out = Vec::new();
    let mut tick = 0;
    for &(text, at) in keys.iter().filter(|k| k.1 <= stall.0) {
        while tick + 20 <= at {
            tick += 20;
            out.extend(d.tick(ms(tick)));
        }
        out.extend(d.key(text, ms(at), false).events);
    }
    // The first tick after the stall, then the keys that waited.
    out.extend(d.tick(ms(stall.1)));
    for &(text, at) in keys.iter().filter(|k| k.1 > stall.0) {
        out.extend(d.key(text, ms(at), false).events);
    }
    let mut tick = stall.1;
    while tick < stall.1 + 2_000 {
        tick += 20;
        out.extend(d.tick(ms(tick)));
    }
    out
}

#[test]
fn with_the_keys_own_times_a_stall_does_not_split_even_a_scan_without_suffix() {
    let mut d = decoder(ScannerConfig {
        suffix: Suffix::None,
        ..ScannerConfig::default()
    });
    assert_eq!(
        replay_stalled(&mut d, US_WORK_ORDER_TIMED, (26, 330)),
        vec![scan(b"WO:WO-1003")]
    );
    // A tick on time still ends a suffix-less scan at its gap.
    let mut d = decoder(ScannerConfig {
        suffix: Suffix::None,
        ..ScannerConfig::default()
    });
    for &(text, at) in US_WORK_ORDER_TIMED {
        assert!(d.key(text, ms(at), false).events.is_empty());
    }
    assert!(d.tick(ms(60)).is_empty(), "the gap is not over yet");
    assert!(d.tick(ms(80)).is_empty(), "the gap is not over yet");
    assert_eq!(d.tick(ms(100)), vec![scan(b"WO:WO-1003")]);
}

#[test]
fn a_scan_without_its_suffix_ends_after_a_second() {
    let mut d = decoder(ScannerConfig::default());
    let mut out = Vec::new();
    for (i, c) in "4006381333931".chars().enumerate() {
        out.extend(d.key(&c.to_string(), ms(i as u64 * 3), false).events);
    }
    assert_eq!(d.deadline(), Some(ms(36 + 1000)));
    assert!(d.flush_due(ms(1035)).is_empty());
    assert_eq!(d.flush_due(ms(1036)), vec![scan(b"4006381333931")]);
}

/// A person typing on a keyboard, Shift for the capital, 150–300 ms apart.
#[rustfmt::skip]
const HAND_TYPED: &[(&str, u64)] = &[("\u{10}", 0), ("W", 120), ("o", 400), ("\u{F702}", 600), ("-", 700), ("7", 950), ("\n", 1200)];

#[test]
fn typing_by_hand_stays_typing() {
    // No text field focused: every key comes back as typing, on its own.
    let mut d = decoder(ScannerConfig::default());
    assert_eq!(
        replay(&mut d, HAND_TYPED),
        vec![typed("W"), typed("o"), typed("-"), typed("7"), typed("\n")]
    );
    // A focused text field gets every key itself.
    let mut d = decoder(ScannerConfig::default());
    for &(text, at) in HAND_TYPED {
        let outcome = d.key(text, ms(at), true);
        assert!(!outcome.captured && outcome.events.is_empty(), "{text:?}");
    }
    // With a prefix configured, too; the scanner's prefixed scan is caught.
    let mut d = decoder(ScannerConfig {
        prefix: "\u{2}".into(),
        ..ScannerConfig::default()
    });
    for &(text, at) in HAND_TYPED {
        assert!(!d.key(text, ms(at), true).captured, "{text:?}");
    }
    let mut out = Vec::new();
    let mut keys = vec![("\u{2}", 2000)];
    keys.extend(US_BADGE.iter().map(|&(t, at)| (t, at + 2003)));
    for (text, at) in keys {
        let outcome = d.key(text, ms(at), true);
        assert_eq!(outcome.captured, text != "\u{10}", "{text:?}");
        out.extend(outcome.events);
    }
    assert_eq!(out, vec![scan(b"USR:B-1001")]);
}

// ---- configuration -------------------------------------------------------

#[test]
fn config_defaults_and_toml() {
    let config: ScannerConfig = toml::from_str("").expect("empty table");
    assert_eq!(config, ScannerConfig::default());
    assert_eq!(config.mode, ScannerMode::Wedge);
    assert_eq!(config.suffix, Suffix::Lf);
    assert_eq!(
        (config.max_gap_ms, config.min_length, config.baud),
        (40, 3, 9600)
    );

    let config: ScannerConfig = toml::from_str(
        r#"
        mode = "serial"
        serial_device = "/dev/ttyACM0"
        baud = 115200
        prefix = "\u0002"
        suffix = "\r"
        gs_substitute = "<GS>"
        "#,
    )
    .expect("serial table");
    assert_eq!(config.mode, ScannerMode::Serial);
    assert_eq!(config.suffix, Suffix::Cr);
    assert_eq!(config.prefix, "\u{2}");
    config.validate().expect("valid");

    let back: ScannerConfig =
        toml::from_str(&toml::to_string(&config).expect("serialise")).expect("read back");
    assert_eq!(back, config);

    for (suffix, want) in [
        ("", Suffix::None),
        ("none", Suffix::None),
        ("\t", Suffix::Tab),
    ] {
        let config: ScannerConfig =
            toml::from_str(&format!("suffix = {suffix:?}")).expect("suffix");
        assert_eq!(config.suffix, want);
    }
}

#[test]
fn config_refuses_unknown_fields_and_bad_values() {
    assert!(toml::from_str::<ScannerConfig>("max_gap = 40").is_err());
    assert!(toml::from_str::<ScannerConfig>("suffix = \"x\"").is_err());
    assert!(toml::from_str::<ScannerConfig>("mode = \"bluetooth\"").is_err());
    let bad = [
        ScannerConfig {
            min_length: 1,
            ..ScannerConfig::default()
        },
        ScannerConfig {
            max_gap_ms: 0,
            ..ScannerConfig::default()
        },
        ScannerConfig {
            gs_substitute: Some(String::new()),
            ..ScannerConfig::default()
        },
        ScannerConfig {
            prefix: "\n".into(),
            ..ScannerConfig::default()
        },
        ScannerConfig {
            mode: ScannerMode::Serial,
            ..ScannerConfig::default()
        },
        ScannerConfig {
            mode: ScannerMode::Evdev,
            ..ScannerConfig::default()
        },
    ];
    for config in bad {
        assert!(
            matches!(
                WedgeDecoder::new(&config).map(drop).and(config.validate()),
                Err(ScannerError::Config(_))
            ),
            "{config:?}"
        );
    }
}

// ---- serial --------------------------------------------------------------

fn splitter(config: ScannerConfig) -> SerialSplitter {
    SerialSplitter::new(&config).expect("valid config")
}

#[test]
fn serial_splits_chunks_at_line_ends_keeping_gs_and_aim() {
    let mut s = splitter(ScannerConfig::default());
    let mut out = s.push(b"]d201095011015300031", ms(0));
    out.extend(s.push(b"0ABC\x1d17261231\r\n40063", ms(2)));
    out.extend(s.push(b"81333931\r", ms(4)));
    out.extend(s.push(b"\n12\n", ms(5)));
    assert_eq!(
        out,
        vec![
            b"]d2010950110153000310ABC\x1d17261231".to_vec(),
            b"4006381333931".to_vec(),
            b"12".to_vec(),
        ],
        "CR LF is one line end; short frames still count on a serial line"
    );
}

#[test]
fn serial_pause_ends_a_suffixless_scan_and_bare_line_ends_vanish() {
    let mut s = splitter(ScannerConfig {
        suffix: Suffix::None,
        ..ScannerConfig::default()
    });
    assert!(s.push(b"ABC", ms(0)).is_empty());
    assert!(s.push(b"DEF", ms(30)).is_empty());
    assert!(s.flush_due(ms(69)).is_empty());
    assert_eq!(s.flush_due(ms(70)), vec![b"ABCDEF".to_vec()]);
    assert_eq!(s.push(b"GHI", ms(200)), Vec::<Vec<u8>>::new());
    assert_eq!(s.push(b"JKL", ms(300)), vec![b"GHI".to_vec()]);

    let mut s = splitter(ScannerConfig::default());
    assert!(s.push(b"\r\n\n", ms(0)).is_empty());
}

#[test]
fn serial_prefix_and_substitute() {
    let mut s = splitter(ScannerConfig {
        prefix: "\u{2}".into(),
        suffix: Suffix::Cr,
        gs_substitute: Some("<GS>".into()),
        ..ScannerConfig::default()
    });
    assert_eq!(
        s.push(b"\x0201012345678901281<GS>10X\r\x02BIN:1\r", ms(0)),
        vec![b"01012345678901281\x1d10X".to_vec(), b"BIN:1".to_vec()]
    );
    assert_eq!(s.discard_pending(), 0);
    assert!(s.push(b"\x02half", ms(10)).is_empty());
    assert_eq!(s.discard_pending(), 5);
    assert_eq!(s.flush_due(ms(10_000)), Vec::<Vec<u8>>::new());
}

#[test]
fn serial_read_loop_over_a_socket() {
    // A generous gap, so a loaded machine's late sleeps cannot split a scan.
    let config = ScannerConfig {
        suffix: Suffix::CrLf,
        max_gap_ms: 200,
        ..ScannerConfig::default()
    };
    let (sender, queue) = ScanQueue::new();
    let (mut scanner, mut port) = UnixStream::pair().expect("socket pair");
    port.set_read_timeout(Some(read_timeout(&config)))
        .expect("timeout");
    let writer = thread::spawn(move || -> std::io::Result<()> {
        scanner.write_all(b"]C1011234567890123")?;
        thread::sleep(ms(5));
        scanner.write_all(b"1\x1d10LOT\r\n")?;
        scanner.write_all(b"WO:4711")?; // no line end: ended by the pause
        thread::sleep(ms(600));
        scanner.write_all(b"cut-off")?; // the port goes away mid-scan
        Ok(())
    });
    let mut s = splitter(config);
    let stop = AtomicBool::new(false);
    let result = read_loop(&mut port, &mut s, &sender, &stop);
    writer.join().expect("writer thread").expect("writes");
    let err = result.expect_err("the closed socket ends the loop");
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    let got: Vec<_> = queue
        .drain()
        .into_iter()
        .map(|s| (s.seq, s.source, s.bytes))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                0,
                ScanSource::Serial,
                b"]C10112345678901231\x1d10LOT".to_vec()
            ),
            (1, ScanSource::Serial, b"WO:4711".to_vec()),
        ]
    );
}

#[test]
fn serial_read_loop_stops_on_request() {
    let config = ScannerConfig::default();
    let (sender, queue) = ScanQueue::new();
    let (_scanner, mut port) = UnixStream::pair().expect("socket pair");
    port.set_read_timeout(Some(read_timeout(&config)))
        .expect("timeout");
    let stop = AtomicBool::new(true);
    read_loop(&mut port, &mut splitter(config), &sender, &stop).expect("stopped");
    assert!(queue.try_recv().is_none());
}

#[test]
fn serial_reader_thread_retries_a_missing_port_and_stops_on_drop() {
    let (sender, _queue) = ScanQueue::new();
    let config = ScannerConfig {
        mode: ScannerMode::Serial,
        serial_device: Some("/nonexistent/ttyACM9".into()),
        ..ScannerConfig::default()
    };
    let handle = spawn_reader(&config, sender)
        .expect("a missing port is retried, not an error")
        .expect("serial mode has a reader");
    thread::sleep(ms(400));
    assert!(!handle.is_finished(), "still retrying");
    let started = std::time::Instant::now();
    drop(handle);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn wedge_mode_has_no_reader() {
    let (sender, _queue) = ScanQueue::new();
    assert!(
        spawn_reader(&ScannerConfig::default(), sender)
            .expect("wedge")
            .is_none()
    );
}

// ---- queue ---------------------------------------------------------------

#[test]
fn queue_keeps_every_scan_and_each_senders_order() {
    const PER_THREAD: u32 = 5_000;
    let (sender, queue) = ScanQueue::new();
    let sources = [ScanSource::Wedge, ScanSource::Evdev, ScanSource::Serial];
    let threads: Vec<_> = sources
        .into_iter()
        .map(|source| {
            let sender = sender.clone();
            thread::spawn(move || {
                for i in 0..PER_THREAD {
                    sender
                        .send(i.to_be_bytes().to_vec(), source)
                        .expect("queue open");
                }
            })
        })
        .collect();
    drop(sender);
    // The consumer is busy while the senders run: nothing may be lost.
    thread::sleep(ms(50));
    for t in threads {
        t.join().expect("sender thread");
    }
    let mut next: HashMap<ScanSource, u32> = HashMap::new();
    let mut seq = 0;
    while let Some(input) = queue.recv() {
        assert_eq!(input.seq, seq, "sequence numbers follow delivery order");
        seq += 1;
        let n = u32::from_be_bytes(input.bytes.try_into().expect("4 bytes"));
        let want = next.entry(input.source).or_insert(0);
        assert_eq!(n, *want, "{:?} out of order", input.source);
        *want += 1;
    }
    assert_eq!(seq, u64::from(PER_THREAD) * 3);
    assert!(next.values().all(|&n| n == PER_THREAD));
}

#[test]
fn sending_to_a_dropped_queue_fails() {
    let (sender, queue) = ScanQueue::new();
    assert_eq!(sender.send(b"a".to_vec(), ScanSource::Wedge), Ok(0));
    drop(queue);
    assert!(sender.send(b"b".to_vec(), ScanSource::Wedge).is_err());
}
