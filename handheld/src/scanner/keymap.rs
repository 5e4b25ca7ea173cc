//! Linux key codes (`linux/input-event-codes.h`) to characters, US layout:
//! what a keyboard-wedge scanner's keys mean. Pure functions over plain
//! numbers, so they are tested on any platform.
//!
//! GS: most wedge scanners send GS (0x1D) as Ctrl+], i.e. `KEY_RIGHTBRACE`
//! with Ctrl held; the other ASCII control characters follow the same
//! terminal convention (Ctrl+B = STX, Ctrl+D = EOT, Ctrl+^ = RS). Scanners
//! set to "Alt+keypad" control-character output (Alt held, decimal code on
//! the keypad, e.g. Alt 0 2 9 = GS) are understood by [`KeyState`].
//!
//! Russian layout: a wedge scanner presses the keys of the US layout, so
//! while the handheld's active layout is Russian (ЙЦУКЕН) the app receives
//! the Cyrillic letters on those keys; [`latin_from_russian`] turns them back.

/// Modifier keys held while a key was pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Modifiers {
    pub shift: bool,
    pub ctrl: bool,
    /// Caps Lock on: inverts the case of letters only.
    pub caps_lock: bool,
}

pub const KEY_TAB: u16 = 15;
pub const KEY_RIGHTBRACE: u16 = 27;
pub const KEY_ENTER: u16 = 28;
pub const KEY_LEFTCTRL: u16 = 29;
pub const KEY_LEFTSHIFT: u16 = 42;
pub const KEY_RIGHTSHIFT: u16 = 54;
pub const KEY_LEFTALT: u16 = 56;
pub const KEY_CAPSLOCK: u16 = 58;
pub const KEY_KPENTER: u16 = 96;
pub const KEY_RIGHTCTRL: u16 = 97;
pub const KEY_RIGHTALT: u16 = 100;

/// The character a key press stands for, or `None` for keys that type
/// nothing (modifiers, function and navigation keys). Enter (main and
/// keypad) is `'\n'`, Tab `'\t'`; keypad digits are digits whatever Num Lock
/// says, because scanners set to keypad digits assume it on.
pub fn key_char(code: u16, mods: Modifiers) -> Option<char> {
    let (plain, shifted) = key_pair(code)?;
    let letter = plain.is_ascii_lowercase();
    let upper = if letter {
        mods.shift != mods.caps_lock
    } else {
        mods.shift
    };
    let c = if upper { shifted } else { plain };
    if mods.ctrl {
        return control_char(c);
    }
    Some(c)
}

/// The ASCII control character Ctrl+`c` types: Ctrl+letter = 0x01–0x1A,
/// Ctrl+[ \ ] ^ _ = 0x1B–0x1F (so Ctrl+] is GS). `None` for other keys.
/// Also for the UI glue: Slint reports Ctrl+] as "]" with Ctrl held.
pub fn control_char(c: char) -> Option<char> {
    let b = match c {
        'a'..='z' => c as u8 - b'a' + 1,
        'A'..='Z' => c as u8 - b'A' + 1,
        '[' | '{' => 0x1B,
        '\\' | '|' => 0x1C,
        ']' | '}' => 0x1D,
        '^' | '6' => 0x1E,
        '_' | '-' => 0x1F,
        _ => return None,
    };
    Some(char::from(b))
}

/// The keys of the US layout whose character differs on the Russian
/// (ЙЦУКЕН, xkb "ru") layout, with that layout's character at the same
/// index: plain, then shifted. Digits, `-` `=` `\\` `(` `)` and the rest are
/// the same on both.
const US_KEYS: [&str; 2] = [
    "`qwertyuiop[]asdfghjkl;'zxcvbnm,./",
    "~QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>?@#$^&|",
];
const RU_KEYS: [&str; 2] = [
    "ёйцукенгшщзхъфывапролджэячсмитьбю.",
    "ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,\"№;:?/",
];

/// The US character of the key that types `c` on the Russian layout
/// (`й` → `q`, `Ж` → `:`, `.` → `/`); `None` for characters the Russian
/// layout does not move.
pub fn us_key_for_russian(c: char) -> Option<char> {
    US_KEYS.iter().zip(RU_KEYS).find_map(|(us, ru)| {
        ru.chars()
            .position(|r| r == c)
            .and_then(|i| us.chars().nth(i))
    })
}

/// Whether `c` is typed only by the Russian layout (a Cyrillic letter of
/// the layout, or №): its presence shows the text was typed on it.
fn only_russian(c: char) -> bool {
    !c.is_ascii() && us_key_for_russian(c).is_some()
}

/// Text a US-layout keyboard (a wedge scanner) typed while the Russian
/// layout was active, back in the US layout's characters, key by key:
/// `ГЫКЖИ-1001` → `USR:B-1001`. `None` when the text has no character only
/// the Russian layout types: then nothing shows the layout was Russian, and
/// punctuation such as `.` (the US `/` key) is taken as it is.
pub fn latin_from_russian(text: &str) -> Option<String> {
    typed_on_russian(text).then(|| latin_keys(text))
}

/// Whether `text` has a character only the Russian layout types.
pub fn typed_on_russian(text: &str) -> bool {
    text.chars().any(only_russian)
}

/// `text`, taken as typed on the Russian layout, in the US characters of
/// its keys (unconditionally; see [`latin_from_russian`]).
pub fn latin_keys(text: &str) -> String {
    text.chars()
        .map(|c| us_key_for_russian(c).unwrap_or(c))
        .collect()
}

/// How the Russian layout spells what the US layout types as `text`
/// (`]` → `ъ`): how a configured prefix arrives on a Russian handheld.
pub fn russian_spelling(text: &str) -> String {
    text.chars()
        .map(|c| {
            US_KEYS
                .iter()
                .zip(RU_KEYS)
                .find_map(|(us, ru)| {
                    us.chars()
                        .position(|u| u == c)
                        .and_then(|i| ru.chars().nth(i))
                })
                .unwrap_or(c)
        })
        .collect()
}

/// Unshifted and shifted character of a key.
fn key_pair(code: u16) -> Option<(char, char)> {
    const DIGITS: &[u8; 10] = b"1234567890";
    const DIGITS_SHIFTED: &[u8; 10] = b"!@#$%^&*()";
    const ROW_Q: &[u8; 10] = b"qwertyuiop";
    const ROW_A: &[u8; 9] = b"asdfghjkl";
    const ROW_Z: &[u8; 7] = b"zxcvbnm";
    let i = usize::from(code);
    let pair = |a: u8, b: u8| Some((char::from(a), char::from(b)));
    match code {
        2..=11 => pair(DIGITS[i - 2], DIGITS_SHIFTED[i - 2]),
        12 => pair(b'-', b'_'),
        13 => pair(b'=', b'+'),
        KEY_TAB => pair(b'\t', b'\t'),
        16..=25 => pair(ROW_Q[i - 16], ROW_Q[i - 16].to_ascii_uppercase()),
        26 => pair(b'[', b'{'),
        KEY_RIGHTBRACE => pair(b']', b'}'),
        KEY_ENTER | KEY_KPENTER => pair(b'\n', b'\n'),
        30..=38 => pair(ROW_A[i - 30], ROW_A[i - 30].to_ascii_uppercase()),
        39 => pair(b';', b':'),
        40 => pair(b'\'', b'"'),
        41 => pair(b'`', b'~'),
        43 => pair(b'\\', b'|'),
        44..=50 => pair(ROW_Z[i - 44], ROW_Z[i - 44].to_ascii_uppercase()),
        51 => pair(b',', b'<'),
        52 => pair(b'.', b'>'),
        53 => pair(b'/', b'?'),
        55 => pair(b'*', b'*'),
        57 => pair(b' ', b' '),
        74 => pair(b'-', b'-'),
        78 => pair(b'+', b'+'),
        83 => pair(b'.', b'.'),
        98 => pair(b'/', b'/'),
        _ => keypad_digit(code).map(|d| (char::from(b'0' + d), char::from(b'0' + d))),
    }
}

/// The digit of a keypad digit key.
fn keypad_digit(code: u16) -> Option<u8> {
    Some(match code {
        82 => 0,
        79 => 1,
        80 => 2,
        81 => 3,
        75 => 4,
        76 => 5,
        77 => 6,
        71 => 7,
        72 => 8,
        73 => 9,
        _ => return None,
    })
}

/// Modifier state of one keyboard device, fed its key events in order.
#[derive(Debug, Clone, Default)]
pub struct KeyState {
    shift: [bool; 2],
    ctrl: [bool; 2],
    alt: [bool; 2],
    caps_lock: bool,
    /// Decimal code typed on the keypad while Alt is held; `None` until a
    /// digit comes.
    alt_code: Option<u32>,
}

impl KeyState {
    /// One key event: `value` 1 = press, 0 = release, 2 = auto-repeat
    /// (ignored: a scanner does not hold keys). Returns the character the
    /// event typed, if any.
    pub fn key(&mut self, code: u16, value: i32) -> Option<char> {
        let pressed = match value {
            0 => false,
            1 => true,
            _ => return None,
        };
        let side = |left: u16| usize::from(code != left);
        match code {
            KEY_LEFTSHIFT | KEY_RIGHTSHIFT => self.shift[side(KEY_LEFTSHIFT)] = pressed,
            KEY_LEFTCTRL | KEY_RIGHTCTRL => self.ctrl[side(KEY_LEFTCTRL)] = pressed,
            KEY_LEFTALT | KEY_RIGHTALT => {
                self.alt[side(KEY_LEFTALT)] = pressed;
                if !pressed && !self.alt.iter().any(|&a| a) {
                    // Alt+keypad codes are Latin-1 (ASCII below 128).
                    return self
                        .alt_code
                        .take()
                        .filter(|&n| n > 0)
                        .and_then(|n| u8::try_from(n).ok())
                        .map(char::from);
                }
            }
            KEY_CAPSLOCK if pressed => self.caps_lock = !self.caps_lock,
            _ if pressed => {
                if self.alt.iter().any(|&a| a) {
                    if let Some(d) = keypad_digit(code) {
                        let n = self.alt_code.unwrap_or(0);
                        self.alt_code = Some(n.saturating_mul(10).saturating_add(u32::from(d)));
                    }
                    return None;
                }
                return key_char(code, self.modifiers());
            }
            _ => {}
        }
        None
    }

    pub fn modifiers(&self) -> Modifiers {
        Modifiers {
            shift: self.shift.iter().any(|&s| s),
            ctrl: self.ctrl.iter().any(|&c| c),
            caps_lock: self.caps_lock,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Modifiers = Modifiers {
        shift: false,
        ctrl: false,
        caps_lock: false,
    };
    const SHIFT: Modifiers = Modifiers {
        shift: true,
        ..NONE
    };
    const CTRL: Modifiers = Modifiers { ctrl: true, ..NONE };
    const CAPS: Modifiers = Modifiers {
        caps_lock: true,
        ..NONE
    };

    /// Every code 0..256 with and without Shift, as a string.
    fn layout(mods: Modifiers) -> String {
        (0..256u16).filter_map(|c| key_char(c, mods)).collect()
    }

    #[test]
    fn us_layout_plain_and_shifted() {
        assert_eq!(
            layout(NONE),
            "1234567890-=\tqwertyuiop[]\nasdfghjkl;'`\\zxcvbnm,./* 789-456+1230.\n/"
        );
        assert_eq!(
            layout(SHIFT),
            "!@#$%^&*()_+\tQWERTYUIOP{}\nASDFGHJKL:\"~|ZXCVBNM<>?* 789-456+1230.\n/"
        );
    }

    #[test]
    fn caps_lock_changes_letters_only() {
        assert_eq!(key_char(30, CAPS), Some('A'));
        assert_eq!(
            key_char(
                30,
                Modifiers {
                    shift: true,
                    ..CAPS
                }
            ),
            Some('a')
        );
        assert_eq!(key_char(2, CAPS), Some('1'));
    }

    #[test]
    fn ctrl_right_brace_is_gs_and_other_controls_follow_ascii() {
        assert_eq!(key_char(KEY_RIGHTBRACE, CTRL), Some('\u{1d}'));
        assert_eq!(key_char(48, CTRL), Some('\u{2}')); // Ctrl+B = STX
        assert_eq!(key_char(32, CTRL), Some('\u{4}')); // Ctrl+D = EOT
        assert_eq!(
            key_char(
                7,
                Modifiers {
                    ctrl: true,
                    shift: true,
                    caps_lock: false
                }
            ),
            Some('\u{1e}')
        ); // Ctrl+^ = RS
        assert_eq!(key_char(2, CTRL), None);
        assert_eq!(control_char(']'), Some('\u{1d}'));
        assert_eq!(control_char('1'), None);
    }

    #[test]
    fn modifiers_and_function_keys_type_nothing() {
        for code in [
            KEY_LEFTSHIFT,
            KEY_RIGHTSHIFT,
            KEY_LEFTCTRL,
            KEY_LEFTALT,
            KEY_CAPSLOCK,
            1,   // Esc
            14,  // Backspace
            59,  // F1
            103, // Up
            300,
        ] {
            assert_eq!(key_char(code, NONE), None, "code {code}");
        }
    }

    #[test]
    fn key_state_tracks_shift_ctrl_and_caps_across_events() {
        let mut k = KeyState::default();
        assert_eq!(k.key(KEY_LEFTSHIFT, 1), None);
        assert_eq!(k.key(30, 1), Some('A'));
        assert_eq!(k.key(30, 2), None, "auto-repeat is ignored");
        assert_eq!(k.key(30, 0), None);
        assert_eq!(k.key(KEY_LEFTSHIFT, 0), None);
        assert_eq!(k.key(30, 1), Some('a'));
        k.key(KEY_RIGHTCTRL, 1);
        assert_eq!(k.key(KEY_RIGHTBRACE, 1), Some('\u{1d}'));
        k.key(KEY_RIGHTCTRL, 0);
        k.key(KEY_CAPSLOCK, 1);
        k.key(KEY_CAPSLOCK, 0);
        assert_eq!(k.key(31, 1), Some('S'));
        // Releasing one shift while the other is held keeps shift on.
        k.key(KEY_CAPSLOCK, 1);
        k.key(KEY_LEFTSHIFT, 1);
        k.key(KEY_RIGHTSHIFT, 1);
        k.key(KEY_LEFTSHIFT, 0);
        assert_eq!(k.key(2, 1), Some('!'));
    }

    #[test]
    fn alt_keypad_code_types_the_character_on_release() {
        let mut k = KeyState::default();
        k.key(KEY_LEFTALT, 1);
        for code in [82, 80, 73] {
            // 0 2 9
            assert_eq!(k.key(code, 1), None);
            k.key(code, 0);
        }
        assert_eq!(k.key(KEY_LEFTALT, 0), Some('\u{1d}'));
        // Alt alone types nothing.
        k.key(KEY_LEFTALT, 1);
        assert_eq!(k.key(KEY_LEFTALT, 0), None);
        assert_eq!(k.key(79, 1), Some('1'));
    }

    #[test]
    fn russian_layout_maps_back_to_the_us_keys() {
        assert_eq!(US_KEYS[0].chars().count(), RU_KEYS[0].chars().count());
        assert_eq!(US_KEYS[1].chars().count(), RU_KEYS[1].chars().count());
        // Every key of the US layout, as the Russian layout types it.
        let us: String = (0..256u16)
            .flat_map(|c| [key_char(c, NONE), key_char(c, SHIFT)])
            .flatten()
            .collect();
        let ru = russian_spelling(&us);
        assert!(ru.contains('й') && ru.contains('Ж') && ru.contains('№'));
        assert_eq!(latin_from_russian(&ru).as_deref(), Some(us.as_str()));
        assert_eq!(
            latin_from_russian("ГЫКЖИ-1001").as_deref(),
            Some("USR:B-1001")
        );
        assert_eq!(russian_spelling("]d2"), "ъв2");
        // Nothing only Russian types: taken as it is.
        assert_eq!(latin_from_russian("12.5/3:4"), None);
        assert_eq!(latin_from_russian("WO:WO-1003"), None);
        assert_eq!(us_key_for_russian('1'), None);
        assert_eq!(us_key_for_russian('ъ'), Some(']'));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn codes_match_the_kernel_names() {
        use evdev::KeyCode;
        let pairs = [
            (KeyCode::KEY_1, '1'),
            (KeyCode::KEY_0, '0'),
            (KeyCode::KEY_Q, 'q'),
            (KeyCode::KEY_P, 'p'),
            (KeyCode::KEY_A, 'a'),
            (KeyCode::KEY_L, 'l'),
            (KeyCode::KEY_Z, 'z'),
            (KeyCode::KEY_M, 'm'),
            (KeyCode::KEY_MINUS, '-'),
            (KeyCode::KEY_SLASH, '/'),
            (KeyCode::KEY_SPACE, ' '),
            (KeyCode::KEY_KP0, '0'),
            (KeyCode::KEY_KP7, '7'),
            (KeyCode::KEY_KPSLASH, '/'),
            (KeyCode::KEY_KPDOT, '.'),
            (KeyCode::KEY_KPENTER, '\n'),
        ];
        for (key, c) in pairs {
            assert_eq!(key_char(key.code(), NONE), Some(c), "{key:?}");
        }
        assert_eq!(KeyCode::KEY_RIGHTBRACE.code(), KEY_RIGHTBRACE);
        assert_eq!(KeyCode::KEY_RIGHTALT.code(), KEY_RIGHTALT);
        assert_eq!(KeyCode::KEY_RIGHTCTRL.code(), KEY_RIGHTCTRL);
        assert_eq!(KeyCode::KEY_CAPSLOCK.code(), KEY_CAPSLOCK);
    }
}
