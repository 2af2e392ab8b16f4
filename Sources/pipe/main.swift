import PipeCommandLine

PipeMain.run(definePipeline)
