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
