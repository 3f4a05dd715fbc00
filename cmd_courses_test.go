package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"phuan/bot"
	"phuan/handlers"
	"phuan/store"
)

func testConfig(t *testing.T) *Config {
	t.Helper()
	cfg, err := loadConfig(env(map[string]string{"PHUAN_DATA_DIR": t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCoursesImportAndExport(t *testing.T) {
	cfg := testConfig(t)
	var out, errOut bytes.Buffer
	bad := writeFile(t, "courses.csv", "id,title_lo,provider,start\nsew,ຕັດຫຍິບ,Skills Centre,2026-12-10\nfarm,,Coop,2026-12-11\nweld,ເຊື່ອມ,Coop,soon\n")
	if code := runCourses(cfg, []string{"import", bad}, &out, &errOut); code != 1 {
		t.Fatalf("bad file: exit %d", code)
	}
	for _, want := range []string{"line 3: title.lo", "line 4: start", "nothing was imported"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q: %s", want, errOut.String())
		}
	}
	st, _ := store.OpenDir(cfg.DataDir)
	if cs, _ := st.Courses(); len(cs) != 0 {
		t.Fatalf("half imported: %+v", cs)
	}
	st.Close()

	good := writeFile(t, "courses.yaml", "- id: sew\n  title: {lo: ຕັດຫຍິບ, en: Tailoring}\n  provider: Skills Centre\n  start: 2026-12-10\n  needs_name: true\n  needs_phone: true\n")
	out.Reset()
	if code := runCourses(cfg, []string{"import", "--data", cfg.DataDir, good}, &out, &errOut); code != 0 {
		t.Fatalf("good file: exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "imported 1 courses") || !strings.Contains(out.String(), "sew\tTailoring") {
		t.Fatalf("stdout %s", out.String())
	}

	// While serve holds the data folder, the import says so.
	st, _ = store.OpenDir(cfg.DataDir)
	p := &store.Person{Lang: "lo"}
	st.CreatePerson(p, store.Identity{Channel: "telegram", PlatformID: "1"})
	st.Enrol("sew", p.ID, store.EnrolDetails{Name: "Noy", Phone: "020 5555 1234", ConsentAt: time.Now()}, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	errOut.Reset()
	if code := runCourses(cfg, []string{"import", good}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "stop phuan serve first") {
		t.Fatalf("import while in use: exit %d: %s", code, errOut.String())
	}
	// The export works while serve runs, from a snapshot it leaves no trace of.
	ctx, cancel := context.WithCancel(context.Background())
	if err := st.ServeBackups(ctx, cfg.DataDir, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	const wantCSV = "course,number,status,name,phone,enrolled_at,found_work\nsew,1,enrolled,Noy,020 5555 1234,"
	out.Reset()
	if code := runCourses(cfg, []string{"export", "sew"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), wantCSV) {
		t.Fatalf("export while in use: exit %d: %q %s", code, out.String(), errOut.String())
	}
	if left, _ := filepath.Glob(filepath.Join(cfg.DataDir, ".snapshot-*")); len(left) > 0 {
		t.Fatalf("snapshot left behind: %v", left)
	}
	cancel()
	st.Close()
	// A copy left by an export that was killed is removed by the next
	// process that takes the folder.
	stale := filepath.Join(cfg.DataDir, ".snapshot-123.db")
	if err := os.WriteFile(stale, []byte("personal data"), 0o600); err != nil {
		t.Fatal(err)
	}

	out.Reset()
	if code := runCourses(cfg, []string{"export", "sew"}, &out, &errOut); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), wantCSV) {
		t.Fatalf("csv %q", out.String())
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("a stale snapshot survived: %v", err)
	}
	if code := runCourses(cfg, []string{"export", "nope"}, &out, &errOut); code != 1 {
		t.Fatalf("unknown course: exit %d", code)
	}
	if code := runCourses(cfg, nil, &out, &errOut); code != 2 {
		t.Fatalf("no subcommand: exit %d", code)
	}
}

func TestEventsImport(t *testing.T) {
	cfg := testConfig(t)
	var out, errOut bytes.Buffer
	file := writeFile(t, "events.csv", "id,title_lo,title_en,start,time_zone,place\nfair,ງານ,Job fair,2026-12-18 09:00,Asia/Bangkok,Bangkok\n")
	if code := runEvents(cfg, []string{"import", file}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	st, _ := store.OpenDir(cfg.DataDir)
	defer st.Close()
	e, err := st.Event("fair")
	if err != nil || e.TimeZone != "Asia/Bangkok" {
		t.Fatalf("%+v %v", e, err)
	}
}

// TestCoursePartsWireIntoTheApp builds the part as openApp would and runs
// a broadcast end to end through the sender's hooks and the admin API.
func TestCoursePartsWireIntoTheApp(t *testing.T) {
	cfg := testConfig(t)
	cfg.AdminToken = "a-long-admin-token-for-tests-only"
	cfg.TelegramModeratorChat = "-100"
	st, err := store.OpenDir(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := handlers.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	a := &app{cfg: cfg, log: slog.New(slog.DiscardHandler), clock: bot.SystemClock{}, store: st, metrics: bot.NewMetrics()}
	c := newCourseParts(a, cat, nil)
	if len(c.features()) != 4 {
		t.Fatal("features")
	}
	a.sender = bot.NewSender(bot.SenderConfig{Store: st, Hooks: c.senderHooks(bot.SenderHooks{}), Clock: a.clock})
	got := make(chan bot.Delivery, 10)
	a.sender.AddChannel(channelFunc(func(d bot.Delivery) { got <- d }), bot.Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := a.sender.Start(ctx); err != nil {
		t.Fatal(err)
	}
	p := &store.Person{Lang: "en"}
	st.CreatePerson(p, store.Identity{Channel: "telegram", PlatformID: "42"})
	stop, err := c.start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv := bot.NewServer(a.metrics, nil, nil)
	c.mountAdmin(srv)
	req := httptest.NewRequest("POST", "/admin/api/broadcasts", strings.NewReader(`{"texts": {"lo": "ຂ່າວ", "en": "News"}}`))
	req.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var texts []string
	deadline := time.After(30 * time.Second)
	for len(texts) < 3 { // started, the news, the report
		select {
		case d := <-got:
			texts = append(texts, d.ChatID+": "+d.Reply.Text)
		case <-deadline:
			t.Fatalf("got only %q", texts)
		}
	}
	if !strings.Contains(strings.Join(texts, "\n"), "42: News") || !strings.Contains(texts[2], "-100: ") {
		t.Fatalf("deliveries %q", texts)
	}
	stop()
	cancel()
	a.sender.Wait()
	st.Close()
}

type channelFunc func(d bot.Delivery)

func (channelFunc) Name() string { return "telegram" }

func (f channelFunc) Send(_ context.Context, d bot.Delivery) error {
	f(d)
	return nil
}
