import Foundation
import SRTTraining

/// The test metrics a training or fine-tuning run prints, history masked and unmasked.
enum TestTable {
    static func render(_ test: Evaluator.Result) -> String {
        if test.cases == 0 { return "test: not evaluated (the run stopped before its end; finish it to get test figures)" }
        var table = TextTable(header: ["test (\(test.cases) users)", "NDCG@1", "NDCG@5", "NDCG@10", "HR@5", "HR@10"])
        for (label, m) in [("history masked", test.masked), ("history unmasked", test.unmasked)] {
            table.rows.append([label] + ["ndcg@1", "ndcg@5", "ndcg@10", "hr@5", "hr@10"].map { String(format: "%.4f", m[$0] ?? 0) })
        }
        return table.render()
    }
}
