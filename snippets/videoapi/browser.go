package videoapi

import (
	"net/url"
	"os"
	"strings"
)

// Environment variables BrowserURL reads.
const (
	// EnvBrowserURL, when set, is the address at which a web browser reaches
	// the server (for example when the kernel reaches it under a name the
	// browser cannot resolve).
	EnvBrowserURL = "VIDEO_API_BROWSER_URL"
	// EnvHubPrefix is set by JupyterHub (and Binder) for every single-user
	// server and the kernels it starts: the URL path of the attendee's Jupyter
	// server, such as "/user/alice/".
	EnvHubPrefix = "JUPYTERHUB_SERVICE_PREFIX"
)

// BrowserURL returns where a web browser opens path (such as "/dashboard")
// on the server this Client talks to:
//
//   - $VIDEO_API_BROWSER_URL + path, when that is set;
//   - under JupyterHub or Binder, the path through the attendee's Jupyter
//     server and jupyter-server-proxy, such as "/user/alice/proxy/8000/dashboard",
//     because the browser cannot reach the server's own address there (a
//     server on a Unix socket: "/user/alice/video-api/dashboard");
//   - otherwise the server's own address + path.
func (c *Client) BrowserURL(path string) string {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if b := strings.TrimSpace(os.Getenv(EnvBrowserURL)); b != "" {
		return strings.TrimRight(b, "/") + path
	}
	if prefix := strings.TrimSpace(os.Getenv(EnvHubPrefix)); prefix != "" {
		if c.socket != "" {
			// A socket has no port for /proxy/<port>/: its named entry.
			return strings.TrimRight(prefix, "/") + "/" + HubProxyName + path
		}
		if u, err := url.Parse(c.base); err == nil {
			port := u.Port()
			if port == "" {
				port = "80"
				if u.Scheme == "https" {
					port = "443"
				}
			}
			return strings.TrimRight(prefix, "/") + "/proxy/" + port + path
		}
	}
	return c.base + path
}
