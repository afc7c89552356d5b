package endpoints

// ClientHeader is the request header in which a client names the person it
// runs for (an attendee's JupyterHub name), so that a server shared by a
// room counts each attendee's requests apart. It is optional: requests
// without it count in the gates' totals only.
const ClientHeader = "Workshop-Client"

// MaxClientName is the longest client name, in bytes.
const MaxClientName = 40

// ValidClientName reports whether name may be sent in ClientHeader: 1 to
// MaxClientName characters, each an ASCII letter or digit or one of
// ". _ - @ +" (what JupyterHub's user names use, e-mail addresses
// included). The server counts a request with any other name under "other
// clients" and never fails it for its name.
func ValidClientName(name string) bool {
	if len(name) == 0 || len(name) > MaxClientName {
		return false
	}
	for i := range len(name) {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '.', c == '_', c == '-', c == '@', c == '+':
		default:
			return false
		}
	}
	return true
}
