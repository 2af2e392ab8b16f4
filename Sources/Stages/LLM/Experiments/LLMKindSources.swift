import Pipeline

/// The Stages files behind the Topic B experiment kinds: model loading, forward pass, tokenizer and
/// chat templates, numerics (see KindSources for the rule: include whatever can change a result).
enum LLMKindSources {
    static var experiment: CodeFingerprint {
        KindSources.combined(
            sourceFingerprint(
                "LLM/Experiments/LLMPrompt.swift", "LLM/Experiments/LanguageModelFile.swift",
                "LLM/Experiments/TokenDistribution.swift", "LLM/Experiments/LLMKindSources.swift",
                "LLM/MappedFile.swift",
                "LLM/GGUF/GGMLType.swift", "LLM/GGUF/GGUFByteReader.swift", "LLM/GGUF/GGUFDequantizer.swift",
                "LLM/GGUF/GGUFError.swift", "LLM/GGUF/GGUFFile.swift", "LLM/GGUF/GGUFTensorInfo.swift",
                "LLM/GGUF/GGUFValue.swift",
                "LLM/Model/DecoderLayerPasses.swift", "LLM/Model/RowRanges.swift",
                "LLM/Model/KVCache.swift", "LLM/Model/KVCacheBlock.swift", "LLM/Model/LLMKernels.swift",
                "LLM/Model/LinearLayer.swift", "LLM/Model/LlamaConfig.swift", "LLM/Model/LlamaError.swift",
                "LLM/Model/LlamaForward.swift", "LLM/Model/LlamaModel.swift", "LLM/Model/LlamaWeights+Loading.swift",
                "LLM/Model/LlamaWeights.swift", "LLM/Model/RopeScaling.swift",
                "LLM/Safetensors/SafetensorsCheckpoint.swift", "LLM/Safetensors/SafetensorsError.swift",
                "LLM/Safetensors/SafetensorsFile.swift", "LLM/Safetensors/SafetensorsTensorInfo.swift",
                "LLM/Tokenizer/AddedTokenMatcher.swift", "LLM/Tokenizer/ByteLevelAlphabet.swift",
                "LLM/Tokenizer/ByteLevelBPETokenizer.swift", "LLM/Tokenizer/BytePairMerger.swift",
                "LLM/Tokenizer/ChatMessage.swift", "LLM/Tokenizer/ChatTemplate+Recognition.swift",
                "LLM/Tokenizer/ChatTemplate.swift", "LLM/Tokenizer/ChatTemplateError.swift",
                "LLM/Tokenizer/ChatTemplateRenderers.swift", "LLM/Tokenizer/PreTokenizer.swift",
                "LLM/Tokenizer/PythonWhitespace.swift", "LLM/Tokenizer/RegexSplitter.swift",
                "LLM/Tokenizer/TokenizerError.swift", "LLM/Tokenizer/TokenizerVocabulary+GGUF.swift", "LLM/Tokenizer/TokenizerVocabulary+HuggingFace.swift",
                "LLM/Tokenizer/TokenizerVocabulary.swift", "LLM/Tokenizer/UnicodeClasses.swift"),
            KindSources.numerics)
    }

    /// The figure code of the analysis stages.
    static var figures: CodeFingerprint {
        sourceFingerprint("Figures/BarChart.swift", "Figures/ChartFrame.swift", "Figures/ChartModel.swift",
                          "Figures/AxisScale.swift", "Figures/RatioScale.swift", "Figures/ValueScale.swift",
                          "Figures/Legend.swift", "Figures/Palette.swift",
                          "Figures/SVGCanvas.swift", "Figures/Markup.swift", "Figures/TextMetrics.swift",
                          "Figures/NumberFormat.swift", "Figures/CSVTable.swift")
    }
}
