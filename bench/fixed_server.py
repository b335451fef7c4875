"""The cheapest HTTP server Python can run: one fixed answer, no parsing.

Driving it shows how many requests a second the load generator itself
can make on this machine, an upper bound well above what any measured
server reaches. ``python -m bench.fixed_server PORT``
"""

import asyncio
import sys

ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 2\r\n\r\nok"
)


class FixedAnswer(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        # one answer per request; a request arrives in one segment here
        self.transport.write(ANSWER * data.count(b"\r\n\r\n"))


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(FixedAnswer, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
