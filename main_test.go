package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"phuan/store"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func chat(t *testing.T, dir, input string, extra ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	args := append([]string{"chat", "--data", dir}, extra...)
	code := run(args, env(nil), strings.NewReader(input), &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestChatWalksThroughOnboardingAndRemembers(t *testing.T) {
	for i, tc := range []struct{ lang, consent, menu string }{
		{"lo", "ເຫັນດີບໍ?", "ທ່ານຢາກຮູ້ຫຍັງ?"},
		{"th", "คุณยินยอมไหม?", "อยากรู้เรื่องอะไร?"},
		{"en", "Do you agree?", "What would you like to know?"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			dir := t.TempDir()
			// start, language N, agree, Laos, returned, Champasak, then help
			input := "/start\n" + string(rune('1'+i)) + "\n1\n1\n1\n16\n/help\n"
			out, stderr, code := chat(t, dir, input)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, want := range []string{"  [1] ລາວ\n  [2] ไทย\n  [3] English\n\n", tc.consent, tc.menu, "/settings"} {
				if !strings.Contains(out, want) {
					t.Fatalf("output lacks %q:\n%s", want, out)
				}
			}
			out, _, code = chat(t, dir, "/start\n")
			if code != 0 || !strings.Contains(out, tc.menu) || strings.Contains(out, tc.consent) {
				t.Fatalf("second run did not remember the person (exit %d):\n%s", code, out)
			}
		})
	}
}

func TestChatFormatsButtons(t *testing.T) {
	out, _, _ := chat(t, t.TempDir(), "/start\n", "--lang", "en")
	blocks := strings.Split(strings.TrimRight(out, "\n"), "\n\n")
	last := blocks[len(blocks)-1]
	if last != "Please choose a language:\n  [1] ລາວ\n  [2] ไทย\n  [3] English" {
		t.Fatalf("last message block %q", last)
	}
}

func TestChatRejectsBadFlags(t *testing.T) {
	if _, stderr, code := chat(t, t.TempDir(), "", "--lang", "fr"); code != 2 || !strings.Contains(stderr, "--lang") {
		t.Fatalf("exit %d, %s", code, stderr)
	}
}

func TestSecondProcessOnSameFolderIsRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := store.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, stderr, code := chat(t, dir, "/start\n")
	if code == 0 || !strings.Contains(stderr, "in use by another phuan process") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("want one line, got %q", stderr)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v to give up", d)
	}
}

func TestServeWithoutChannelExplains(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"serve", "--data", t.TempDir()}, env(nil), nil, &out, &errOut)
	if code == 0 || !strings.Contains(errOut.String(), "TELEGRAM_BOT_TOKEN") || !strings.Contains(errOut.String(), "phuan chat") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

func TestBadSettingsStopStartupNamingThem(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"PHUAN_TIMEZONE":          {"PHUAN_TIMEZONE": "Mars/Olympus"},
		"PHUAN_MODERATORS":        {"PHUAN_MODERATORS": "12,abc"},
		"TELEGRAM_WEBHOOK_SECRET": {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_URL": "https://example.org/tg"},
		"MESSENGER_APP_SECRET":    {"MESSENGER_PAGE_TOKEN": "p", "MESSENGER_VERIFY_TOKEN": "v"},
		"MESSENGER_HUMAN_AGENT":   {"MESSENGER_HUMAN_AGENT": "perhaps"},
		"TELEGRAM_API_ENDPOINT":   {"TELEGRAM_API_ENDPOINT": "http://127.0.0.1/bot"},
		"PHUAN_LOG_LEVEL":         {"PHUAN_LOG_LEVEL": "loud"},
	} {
		var out, errOut bytes.Buffer
		code := run([]string{"chat", "--data", t.TempDir()}, env(vars), strings.NewReader(""), &out, &errOut)
		line := strings.TrimSpace(errOut.String())
		if code != 2 || !strings.Contains(line, name) || strings.Contains(line, "\n") {
			t.Errorf("%s: exit %d, %q", name, code, line)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"frob"}, env(nil), nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "frob") {
		t.Fatalf("exit %d %q", code, errOut.String())
	}
}

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	if _, _, code := chat(t, dir, "/start\n1\n1\n"); code != 0 {
		t.Fatal("chat failed")
	}
	file := filepath.Join(t.TempDir(), "b.db")
	var out, errOut bytes.Buffer
	if code := run([]string{"backup", "--data", dir, file}, env(nil), nil, &out, &errOut); code != 0 {
		t.Fatalf("backup: %s", errOut.String())
	}
	s, err := store.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.CountPersons(); n != 1 {
		t.Fatalf("%d persons in backup", n)
	}
	if code := run([]string{"backup", "--data", t.TempDir(), filepath.Join(t.TempDir(), "x.db")}, env(nil), nil, &out, &errOut); code == 0 {
		t.Fatal("backup of an empty folder succeeded")
	}
}

func TestHealthcheckFailsWithoutServer(t *testing.T) {
	if err := healthcheck("127.0.0.1:1", time.Second); err == nil {
		t.Fatal("healthcheck passed with nothing listening")
	}
}

func TestDamagedDataFileGivesOneClearLine(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, store.FileName), bytes.Repeat([]byte("garbage!"), 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := chat(t, dir, "/start\n")
	line := strings.TrimSpace(stderr)
	if code != 1 || !strings.Contains(line, "not a phuan data file, or damaged") || strings.Contains(line, "\n") {
		t.Fatalf("exit %d: %q", code, stderr)
	}
}

// TestAddProcForSyncs: one thread more than the runtime chose, unless the
// deployer set GOMAXPROCS.
func TestAddProcForSyncs(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(before)
	addProcForSyncs(func(string) string { return "3" })
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Fatalf("GOMAXPROCS set by the deployer was changed: %d, want %d", got, before)
	}
	addProcForSyncs(func(string) string { return "" })
	if got := runtime.GOMAXPROCS(0); got != before+1 {
		t.Fatalf("GOMAXPROCS %d, want %d", got, before+1)
	}
}
