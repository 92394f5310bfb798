import Testing
@testable import GRPCCore

/// GRPCChannel's lock-free close: calls after close fail with UNAVAILABLE, calls already in flight complete,
/// and closing while many tasks start calls neither crashes nor loses a completion.
@Suite struct GRPCChannelTests {
    @Test func callAfterCloseIsUnavailable() async throws {
        let test = try TestServer.start(handlers: [echoMethod: echoHandler])
        let channel = try test.channel()
        #expect(try await channel.unary(method: echoMethod, request: [5], timeout: .seconds(20)) == [5])
        channel.close()
        channel.close()  // a second close is harmless
        let error = await #expect(throws: GRPCStatus.self) {
            try await channel.unary(method: echoMethod, request: [5], timeout: .seconds(20))
        }
        #expect(error?.code == .unavailable)
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func closeDuringCallsLetsStartedCallsFinish() async throws {
        let gate = AsyncGate()
        let test = try TestServer.start(handlers: [
            echoMethod: { request, _ in
                await gate.wait()
                return request
            },
        ])
        let channel = try test.channel()
        // Many tasks race their call starts against close(); every call either completes with its own bytes
        // or fails with UNAVAILABLE (closed before it started), and each task gets exactly one answer.
        let outcomes = await withTaskGroup(of: Bool?.self) { group in
            for index in 0..<100 {
                group.addTask {
                    do {
                        let response = try await channel.unary(method: echoMethod, request: [UInt8(index)],
                                                               timeout: .seconds(20))
                        return response == [UInt8(index)]
                    } catch let status as GRPCStatus {
                        return status.code == .unavailable ? nil : false
                    } catch {
                        return false
                    }
                }
            }
            group.addTask {
                await Task.yield()
                channel.close()
                await gate.open()
                return nil
            }
            var outcomes: [Bool?] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.count == 101)
        #expect(!outcomes.contains(false))
        await test.server.shutdown(gracePeriod: .seconds(1))
    }
}

/// Holds handlers until the test opens it.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
