import Testing
@testable import SRTData

@Suite struct SplitTests {
    /// Users: u0 = [0,1,2,3], u1 = [1,2] (too short to evaluate), u2 = [3,0,1].
    func dataset(timestamps: [[Double]]? = nil) -> Dataset {
        Dataset(name: "t", userIDs: ["u0", "u1", "u2"], itemIDs: ["a", "b", "c", "d"],
                sequences: [[0, 1, 2, 3], [1, 2], [3, 0, 1]], timestamps: timestamps,
                textFields: [], itemText: [[], [], [], []])
    }

    @Test func leaveOneOutHoldsOutTheLastTwoItems() throws {
        let split = try dataset().split(.leaveOneOut)
        #expect(split.train == [[0, 1], [1, 2], [3]])
        #expect(split.trainUsers == [0, 1, 2])
        #expect(split.validation == [
            EvaluationCase(user: 0, input: [0, 1], target: 2),
            EvaluationCase(user: 2, input: [3], target: 0),
        ])
        #expect(split.test == [
            EvaluationCase(user: 0, input: [0, 1, 2], target: 3),
            EvaluationCase(user: 2, input: [3, 0], target: 1),
        ])
        // Popularity counts training sequences only: a=1, b=2, c=1, d=1.
        #expect(split.popularity == [1, 2, 1, 1])
    }

    @Test func temporalSplitKeepsTestUsersOutOfTraining() throws {
        // 9 timestamps 1...9; the 0.7 quantile (nearest) is sorted[round(0.7·8)=6] = 7.
        let data = Dataset(
            name: "t", userIDs: ["u0", "u1", "u2"], itemIDs: ["a", "b", "c", "d"],
            sequences: [[0, 1, 2, 3], [1, 2], [3, 0, 1]],
            timestamps: [[1, 7, 8, 9], [2, 3], [4, 5, 6]],
            textFields: [], itemText: [[], [], [], []])
        let split = try data.split(.temporal(quantile: 0.7))
        #expect(split.cutoff == 7)
        #expect(split.trainUsers == [1, 2])
        #expect(split.train == [[1, 2], [3, 0, 1]])
        // u0's post-cutoff items are b, c, d.
        #expect(split.validation == [EvaluationCase(user: 0, input: [1], target: 2)])
        #expect(split.test == [EvaluationCase(user: 0, input: [1, 2], target: 3)])
        #expect(split.popularity == [1, 2, 1, 1])
        #expect(split.droppedTestUsers == 0)
    }

    @Test func temporalTestUsersNeedThreeItemsAfterTheCutoff() throws {
        let data = Dataset(
            name: "t", userIDs: ["u0", "u1"], itemIDs: ["a", "b", "c"],
            sequences: [[0, 1, 2], [0, 1]], timestamps: [[1, 2, 3], [9, 10]],
            textFields: [], itemText: [[], [], []])
        let split = try data.split(.temporal(quantile: 0.9))  // cutoff = sorted[round(0.9·4)=4] = 10
        #expect(split.cutoff == 10)
        #expect(split.test.isEmpty)
        #expect(split.droppedTestUsers == 1)
        #expect(split.trainUsers == [0])
    }

    /// All timestamps equal: every user is a test user and nothing is left to train on (it trained
    /// nothing and exited 0 with a checkpoint).
    @Test func temporalSplitWithNothingToTrainOnIsRefused() {
        let data = dataset(timestamps: [[5, 5, 5, 5], [5, 5], [5, 5, 5]])
        #expect {
            try data.split(.temporal(quantile: 0.5))
        } throws: { error in
            let e = error as? DataError
            return e?.kind == .noInteractions && e!.description.contains("leaves no training interactions") && e!.description.contains("1 distinct timestamp")
        }
    }

    @Test(arguments: [0.0, 1.0, -0.5, 1.5])
    func temporalQuantileMustBeInsideTheUnitInterval(_ q: Double) {
        let data = dataset(timestamps: [[1, 2, 3, 4], [5, 6], [7, 8, 9]])
        #expect(throws: DataError.self) { try data.split(.temporal(quantile: q)) }
    }

    @Test func nearestQuantileMatchesNumpy() {
        // Expected values are numpy.quantile(values, q, method="nearest") (checked with numpy 2.4).
        // position = 0.5·3 = 1.5 → rounds half to even → 2 → sorted[2] = 3
        #expect(Dataset.nearestQuantile([4, 1, 3, 2], 0.5) == 3)
        // position = 0.25·3 = 0.75 → 1 → 2
        #expect(Dataset.nearestQuantile([4, 1, 3, 2], 0.25) == 2)
        // position = 0.5·4 = 2 → 3
        #expect(Dataset.nearestQuantile([5, 1, 4, 2, 3], 0.5) == 3)
    }
}
