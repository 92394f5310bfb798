import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `[metrics]`: GET /metrics answers the Prometheus text format of `KMSMetrics.registry` over plain HTTP/1.1
/// (swift-nio); any other path is 404, any other method 405. A background task refreshes the gauges read from
/// the engine every two seconds.
final class MetricsEndpoint: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let refresher: Task<Void, Never>
    let port: Int

    init(host: String, port: Int, refresh: @escaping @Sendable () async -> Void, logger: Logger) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 16)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler())
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        self.port = channel.localAddress?.port ?? port
        refresher = Task {
            while !Task.isCancelled {
                await refresh()
                try? await Task.sleep(for: .seconds(2))
            }
        }
        logger.info("metrics endpoint listening", metadata: ["address": "http://\(host):\(self.port)/metrics"])
    }

    func shutdown() async {
        refresher.cancel()
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private var head: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            let (status, body): (HTTPResponseStatus, [UInt8])
            if request.method != .GET {
                (status, body) = (.methodNotAllowed, Array("only GET\n".utf8))
            } else if request.uri.split(separator: "?").first != "/metrics" {
                (status, body) = (.notFound, Array("try /metrics\n".utf8))
            } else {
                (status, body) = (.ok, KMSMetrics.registry.emitToBuffer())
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: status == .ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
            headers.add(name: "Content-Length", value: "\(body.count)")
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
            var buffer = context.channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
