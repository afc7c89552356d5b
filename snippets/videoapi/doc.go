// Package videoapi is a typed client for the workshop's mock video server.
//
// It plays the part of an aiohttp.ClientSession in the asyncio talk: one
// *Client is shared by every goroutine, each call takes a context.Context
// (Go's way to cancel or time out an await), and the connection limit per
// host is a client option just like aiohttp's limit_per_host. Any answer
// outside 2xx becomes an *APIError carrying the server's "detail" message.
package videoapi
