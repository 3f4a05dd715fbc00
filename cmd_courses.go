package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"phuan/handlers"
	"phuan/store"
)

const coursesUsage = `usage:
  phuan courses import [--data DIR] FILE    add or replace courses from a YAML or CSV file
  phuan courses export [--data DIR] ID      write a course's enrolment list as CSV
  phuan events import [--data DIR] FILE     add or replace events from a YAML or CSV file
Imports run while phuan serve is stopped (or use the admin API); a file with any bad row
imports nothing. Export works while serve runs (through its control socket).
`

// runCourses is "phuan courses import FILE" and "phuan courses export ID".
func runCourses(cfg *Config, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, coursesUsage)
		return 2
	}
	switch args[0] {
	case "import":
		return runImport(cfg, "courses", args[1:], stdout, stderr)
	case "export":
		return runExport(cfg, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "phuan courses: unknown command %q\n\n%s", args[0], coursesUsage)
	return 2
}

// runEvents is "phuan events import FILE".
func runEvents(cfg *Config, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(stderr, coursesUsage)
		return 2
	}
	return runImport(cfg, "events", args[1:], stdout, stderr)
}

func runImport(cfg *Config, what string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(what+" import", flag.ContinueOnError)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder")
	if !parseFlags(fs, args, stderr) {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "phuan %s import: give one FILE (.yaml, .yml or .csv)\n", what)
		return 2
	}
	name := fs.Arg(0)
	data, err := readLimited(name, handlers.MaxImportBytes)
	if err != nil {
		fmt.Fprintf(stderr, "phuan %s import: %v\n", what, err)
		return 1
	}
	var courses []store.Course
	var events []store.Event
	if what == "courses" {
		courses, err = handlers.ParseCourses(name, data)
	} else {
		events, err = handlers.ParseEvents(name, data, cfg.Location)
	}
	if err != nil {
		fmt.Fprintf(stderr, "phuan %s import: %s: %v\n", what, name, err)
		return 1
	}
	st, err := store.OpenDir(cfg.DataDir)
	if err != nil {
		if errors.Is(err, store.ErrInUse) {
			fmt.Fprintf(stderr, "phuan %s import: %v; stop phuan serve first (imports need the data folder to themselves)\n", what, err)
		} else {
			fmt.Fprintf(stderr, "phuan %s import: %v\n", what, err)
		}
		return 1
	}
	defer st.Close()
	now := time.Now()
	n := len(courses)
	if what == "courses" {
		err = st.ImportCourses(courses, now)
	} else {
		n = len(events)
		err = st.ImportEvents(events, now)
	}
	if err != nil {
		fmt.Fprintf(stderr, "phuan %s import: %v (nothing was imported)\n", what, err)
		return 1
	}
	fmt.Fprintf(stdout, "imported %d %s from %s\n", n, what, name)
	for i := range n {
		if what == "courses" {
			fmt.Fprintf(stdout, "  %s\t%s\n", courses[i].ID, courses[i].Title.In("en"))
		} else {
			fmt.Fprintf(stdout, "  %s\t%s\n", events[i].ID, events[i].Title.In("en"))
		}
	}
	return 0
}

func runExport(cfg *Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("courses export", flag.ContinueOnError)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data folder")
	if !parseFlags(fs, args, stderr) {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "phuan courses export: give one course ID, e.g. phuan courses export c3 > c3.csv")
		return 2
	}
	st, done, err := store.OpenForReading(cfg.DataDir)
	if err != nil {
		fmt.Fprintln(stderr, "phuan courses export:", err)
		return 1
	}
	defer done()
	c, err := st.Course(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "phuan courses export:", err)
		return 1
	}
	ens, err := st.Enrolments(c.ID)
	if err != nil {
		fmt.Fprintln(stderr, "phuan courses export:", err)
		return 1
	}
	if err := handlers.WriteEnrolmentsCSV(stdout, c, ens, cfg.Location); err != nil {
		fmt.Fprintln(stderr, "phuan courses export:", err)
		return 1
	}
	return 0
}

// readLimited reads a file of at most limit bytes.
func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MB", name, limit>>20)
	}
	return data, nil
}
