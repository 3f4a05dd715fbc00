package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func benchCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cfg, err := loadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := runBench(cfg, args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestBenchInboundRunsPhuanAndEcho(t *testing.T) {
	// A private temporary folder: other packages' tests create bench folders in the shared one.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	out, stderr, code := benchCmd(t, "inbound", "--people", "3", "--messages", "24", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Phuan, Baseline struct {
			Bot        string
			Updates    int
			Replies    int
			Throughput float64 `json:"updates_per_second"`
			Latency    struct {
				N int
			}
		}
		Ratio float64
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if rep.Phuan.Bot != "phuan" || rep.Phuan.Updates != 24 || rep.Phuan.Latency.N != 24 || rep.Phuan.Replies < 24 ||
		rep.Baseline.Bot != "echo" || rep.Baseline.Latency.N != 24 || rep.Ratio <= 0 {
		t.Fatalf("report %+v", rep)
	}
	if !strings.Contains(stderr, "inbound phuan") || !strings.Contains(stderr, "24/24 updates") {
		t.Fatalf("no progress line on stderr: %q", stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "phuan-bench-*")); len(left) > 0 {
		t.Fatalf("data folders left behind: %v", left)
	}
}

func TestBenchBroadcastTable(t *testing.T) {
	out, stderr, code := benchCmd(t, "broadcast", "--subscribers", "40", "--rate", "1000", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"subscribers", "429s caused", "40 sent, 0 failed"} {
		if !strings.Contains(out, want) {
			t.Fatalf("table lacks %q:\n%s", want, out)
		}
	}
	if stderr != "" {
		t.Fatalf("--quiet printed %q", stderr)
	}
}

func TestBenchKBJSON(t *testing.T) {
	out, stderr, code := benchCmd(t, "kb", "--articles", "40", "--rounds", "1", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep struct {
		Articles int
		Latency  map[string]struct{ N int } `json:"search_latency"`
		Eval     map[string]struct{ Top1 float64 }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Articles < 40 || rep.Latency["all"].N == 0 {
		t.Fatalf("%v %+v:\n%s", err, rep, out)
	}
}

func TestBenchRefusesBadUse(t *testing.T) {
	for _, args := range [][]string{nil, {"nope"}, {"inbound", "--people", "x"}, {"inbound", "extra"},
		{"inbound", "--people", "10", "--messages", "3"}, {"broadcast", "--rate", "0"}} {
		if _, stderr, code := benchCmd(t, args...); code != 2 || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}
