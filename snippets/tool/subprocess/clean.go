package subprocess

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// frameLine matches the file line of a stack frame in a panic, a fatal
// error or a race report: indentation, a file, a line number and an
// optional program counter offset.
var frameLine = regexp.MustCompile(`^(\s+)(\S+\.(?:go|s)):(\d+)(?: \+0x[0-9a-f]+)?\s*$`)

// absGoFile matches an absolute path of a Go source file elsewhere in a line.
var absGoFile = regexp.MustCompile(`(?:^|[\s(])(/[^\s:()]+\.go)\b`)

// raceSeparator opens and closes each report of the race detector.
const raceSeparator = "=================="

// Clean makes a crash or race report readable on any machine and short:
//
//   - every file in a stack frame is shown by a short name (a standard
//     library file by its path under the Go installation's src folder, a
//     module's file by module path and version, the program's own files by
//     their base name), and program counter offsets are dropped;
//   - each frame of package main is followed by its line of source code
//     when the file can be read;
//   - the frames of Run, which called the function, are left out;
//   - of several data race reports only the first is kept, followed by a
//     line saying how many were left out.
func Clean(report string) string {
	var out []string
	function := ""    // the function line above a file line
	skipFile := false // the function line was left out: leave its file line out too
	inRace := false   // inside a race report
	keepRace := true  // the race report being read is kept
	raceReports := 0  // race reports seen
	for _, line := range strings.Split(report, "\n") {
		if strings.TrimSpace(line) == raceSeparator {
			if !inRace {
				inRace = true
				raceReports++
				keepRace = raceReports == 1
			} else {
				inRace = false
				if !keepRace {
					continue
				}
			}
		}
		if inRace && !keepRace {
			continue
		}
		m := frameLine.FindStringSubmatch(line)
		if m == nil {
			t := strings.TrimSpace(line)
			if isOwnFrame(t) {
				skipFile = true
				continue
			}
			skipFile = false
			if t != "" {
				function = t
			}
			out = append(out, absGoFile.ReplaceAllStringFunc(line, func(s string) string {
				lead := ""
				if s != "" && (s[0] == ' ' || s[0] == '\t' || s[0] == '(') {
					lead, s = s[:1], s[1:]
				}
				return lead + shortPath(s)
			}))
			continue
		}
		if skipFile {
			skipFile = false
			continue
		}
		indent, file, num := m[1], m[2], m[3]
		cleaned := indent + shortPath(file) + ":" + num
		if strings.HasPrefix(function, "main.") || strings.HasPrefix(function, "created by main.") {
			if src := sourceLine(file, num); src != "" {
				cleaned += "  " + src
			}
		}
		out = append(out, cleaned)
		function = ""
	}
	if raceReports > 1 {
		note := fmt.Sprintf("(%d more data race reports left out)", raceReports-1)
		if raceReports == 2 {
			note = "(1 more data race report left out)"
		}
		// After the first report's closing separator.
		for i, seen := 0, 0; i < len(out); i++ {
			if strings.TrimSpace(out[i]) == raceSeparator {
				if seen++; seen == 2 {
					out = append(out[:i+1], append([]string{note}, out[i+1:]...)...)
					break
				}
			}
		}
	}
	return strings.Join(out, "\n")
}

// ownPackage is this package's path followed by a dot, as function names in
// stack frames start.
var ownPackage = func() string {
	name := runtime.FuncForPC(reflect.ValueOf(mainModule).Pointer()).Name()
	return strings.TrimSuffix(name, "mainModule")
}()

// isOwnFrame reports whether a stack frame's function line names Run, which
// called the function the report is about.
func isOwnFrame(line string) bool {
	return strings.HasPrefix(line, ownPackage+"Run(")
}

// shortPath returns the short name of a source file as Clean shows it.
func shortPath(file string) string {
	if std := stdSrc(); std != "" && strings.HasPrefix(file, std) {
		return strings.TrimPrefix(file, std)
	}
	if _, rest, ok := strings.Cut(file, "/pkg/mod/"); ok {
		return rest
	}
	if filepath.IsAbs(file) {
		return filepath.Base(file)
	}
	// A path recorded with -trimpath: the main module's files start with its
	// module path, the others with an import path (kept as they are).
	if mod := mainModule(); mod != "" && strings.HasPrefix(file, mod+"/") {
		return strings.TrimPrefix(file, mod+"/")
	}
	return file
}

// stdSrc returns the folder of the standard library's sources as this
// program's stack traces name it ("/usr/local/go/src/"), or "" when the
// program was built with -trimpath.
func stdSrc() string {
	pc := reflect.ValueOf(strconv.Itoa).Pointer()
	fn := runtime.FuncForPC(pc)
	if fn == nil {
		return ""
	}
	file, _ := fn.FileLine(pc)
	i := strings.LastIndex(file, "/strconv/")
	if !filepath.IsAbs(file) || i < 0 {
		return ""
	}
	return file[:i+1]
}

// mainModule returns the module path of the running program's main module.
func mainModule() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		return info.Main.Path
	}
	return ""
}

// sourceLine returns line num of file, trimmed, or "" when it cannot be
// read. A file recorded without its folder (-trimpath) is looked for beside
// the program, where GoNB builds a cell.
func sourceLine(file, num string) string {
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 {
		return ""
	}
	path := file
	if !filepath.IsAbs(path) {
		exe, err := os.Executable()
		if err != nil {
			return ""
		}
		path = filepath.Join(filepath.Dir(exe), filepath.Base(file))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(string(data), "\n")
	if n > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[n-1])
}
